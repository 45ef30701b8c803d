import assert from "node:assert/strict";
import net from "node:net";
import { after, describe, it } from "node:test";
import { MpdConnection } from "../src/mpd-connection.js";
import { mpdCommand, MpdError, pairsToRecord, pairsToRecords, parseAck } from "../src/mpd-protocol.js";
import { freePort, makeTracks, waitUntil } from "@roomguard/testing";
import { testMpd } from "./helpers.js";

function changes(): { seen: string[][]; next(timeoutMs?: number): Promise<string[]>; onChange: (subsystems: string[]) => void } {
  const seen: string[][] = [];
  const waiters: Array<(subsystems: string[]) => void> = [];
  return {
    seen,
    onChange: (subsystems) => {
      const waiter = waiters.shift();
      if (waiter) waiter(subsystems);
      else seen.push(subsystems);
    },
    next: (timeoutMs = 3000) => {
      const ready = seen.shift();
      if (ready) return Promise.resolve(ready);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no change reported within ${timeoutMs} ms`)), timeoutMs);
        waiters.push((subsystems) => {
          clearTimeout(timer);
          resolve(subsystems);
        });
      });
    },
  };
}

describe("MPD's line protocol (pure)", () => {
  it("quotes arguments so spaces, quotes and backslashes arrive intact, and refuses line breaks", () => {
    assert.equal(mpdCommand("add", 'jazz/it\'s "so" \\ what.mp3'), 'add "jazz/it\'s \\"so\\" \\\\ what.mp3"');
    assert.equal(mpdCommand("setvol", 55), 'setvol "55"');
    assert.throws(() => mpdCommand("add", "a\nplay"), /cannot contain a line break/);
  });

  it("reads ACK lines and list answers", () => {
    assert.deepEqual(parseAck("ACK [50@0] {add} No such directory"), { error: 50, command: "add", message: "No such directory" });
    assert.equal(parseAck("OK"), null);
    const list = pairsToRecords(
      [
        ["playlist", "b"],
        ["Last-Modified", "x"],
        ["playlist", "a"],
      ],
      "playlist",
    );
    assert.deepEqual(list, [{ playlist: "b", "Last-Modified": "x" }, { playlist: "a" }]);
  });
});

describe("an MPD connection against a real mpd", { timeout: 60_000 }, () => {
  it("talks to mpd: greeting, answers, quoted file names, refusals that leave the connection usable", async () => {
    const mpd = await testMpd([{ file: "one.mp3", title: "One" }]);
    makeTracks(mpd.musicDir, [{ file: 'odd/it\'s "quoted" \\ name.mp3', title: "Odd", seconds: 2 }]);
    const connection = await mpd.connect();
    assert.match(connection.version, /^0\.\d+\.\d+$/);
    await connection.command("update");
    await waitUntil(async () => pairsToRecord(await connection.command("status")), {
      what: "MPD's database update to end",
      until: (status) => status.updating_db === undefined,
    });
    await connection.command(mpdCommand("add", 'odd/it\'s "quoted" \\ name.mp3'));
    const queue = pairsToRecords(await connection.command("playlistinfo"), "file");
    assert.deepEqual(
      queue.map((song) => [song.file, song.Title]),
      [['odd/it\'s "quoted" \\ name.mp3', "Odd"]],
    );

    const refused = await connection.command(mpdCommand("add", "no/such.mp3")).then(
      () => assert.fail("mpd accepted a file that does not exist"),
      (error: unknown) => error,
    );
    assert.ok(refused instanceof MpdError);
    assert.equal(refused.code, "ACK");
    assert.equal(refused.ack?.error, 50);
    assert.match(refused.message, /MPD refused "add": No such directory/);
    assert.equal(pairsToRecord(await connection.command("status")).playlistlength, "1", "still usable");

    const listed = await connection.commandList(["clear", mpdCommand("add", "one.mp3"), "status"]);
    assert.equal(pairsToRecord(listed).playlistlength, "1");
  });

  it("reports every change mpd makes through idle, also while commands come and go", async () => {
    const mpd = await testMpd([{ file: "a.mp3" }, { file: "b.mp3" }]);
    const watched = changes();
    const watcher = await mpd.connect({ onChange: watched.onChange });
    const other = await mpd.connect();
    await other.command("setvol 40");
    assert.deepEqual(await watched.next(), ["mixer"]);
    // A command while idling: noidle first, the answer, then idle again.
    assert.equal(pairsToRecord(await watcher.command("status")).volume, "40");
    await other.commandList([mpdCommand("add", ""), "play"]);
    const seen = new Set<string>();
    while (!seen.has("player")) for (const subsystem of await watched.next()) seen.add(subsystem);
    assert.ok(seen.has("playlist"), `playlist and player changes, got ${[...seen].join(", ")}`);
    assert.equal(pairsToRecord(await watcher.command("status")).state, "play");
  });

  it("refused, missing, foreign, dead and hung peers are clear errors", async () => {
    const port = await freePort();
    await assert.rejects(MpdConnection.open({ host: "127.0.0.1", port }), {
      code: "ECONNREFUSED",
      message: `nothing listens at 127.0.0.1:${port}: is MPD running?`,
    });
    await assert.rejects(MpdConnection.open({ socket: "/nonexistent/mpd/socket" }), {
      code: "ENOENT",
      message: "no MPD socket at /nonexistent/mpd/socket: is MPD running?",
    });

    const foreign = net.createServer((socket) => socket.end("HTTP/1.1 400 Bad Request\r\n\r\n"));
    await new Promise<void>((resolve) => foreign.listen(0, "127.0.0.1", resolve));
    after(() => foreign.close());
    const foreignPort = (foreign.address() as net.AddressInfo).port;
    await assert.rejects(MpdConnection.open({ host: "127.0.0.1", port: foreignPort }), {
      code: "EPROTO",
      message: `127.0.0.1:${foreignPort} is not MPD: it said "HTTP/1.1 400 Bad Request\\r"`,
    });

    const mpd = await testMpd();
    let closedWith: MpdError | undefined;
    const doomed = await mpd.connect({ onClose: (error) => (closedWith = error) });
    mpd.signal("SIGKILL");
    await assert.rejects(
      doomed.command("status").then(() => doomed.command("status")),
      { code: "ECLOSED" },
    );
    assert.equal(closedWith?.code, "ECLOSED");
    assert.equal(doomed.isOpen, false);
    await assert.rejects(doomed.command("status"), { code: "ECLOSED", message: /is closed/ });

    await mpd.start();
    const hung = await mpd.connect({ timeoutMs: 300 });
    mpd.signal("SIGSTOP");
    try {
      await assert.rejects(hung.command("status"), { code: "ETIMEDOUT", message: /did not answer "status" within 300 ms/ });
    } finally {
      mpd.signal("SIGCONT");
    }
    assert.equal(hung.isOpen, false);
  });
});

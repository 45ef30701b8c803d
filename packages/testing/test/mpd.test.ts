import assert from "node:assert/strict";
import net from "node:net";
import { after, describe, it } from "node:test";
import { startTestMpd, TestMpdClient } from "../src/index.js";

describe("the test mpd and its bare client", { timeout: 60_000 }, () => {
  it("starts a real mpd with its tracks in the database, answers on its socket and on TCP, and stops", async () => {
    const mpd = await startTestMpd({ tracks: [{ file: "a/one.mp3", title: "One", artist: "Tester", seconds: 2 }] });
    after(() => mpd.close());
    const bySocket = await TestMpdClient.open({ socket: mpd.socket });
    assert.match(bySocket.version, /^0\.\d+\.\d+$/);
    assert.equal((await bySocket.command("stats")).songs, "1", "the database is ready when startTestMpd resolves");
    await bySocket.command('add "a/one.mp3"');
    const both = await bySocket.commandList(["status", "playlistinfo"]);
    assert.equal(both.playlistlength, "1");
    assert.equal(both.Title, "One");
    await assert.rejects(bySocket.command('add "no/such.mp3"'), /^Error: MPD refused: ACK \[50@0\] \{add\} /);
    assert.equal((await bySocket.command("status")).playlistlength, "1", "still usable after a refusal");

    const byTcp = await TestMpdClient.open({ host: "127.0.0.1", port: mpd.port });
    assert.equal((await byTcp.command("currentsong")).file, undefined);
    byTcp.close();

    const pid = mpd.pid() ?? assert.fail("no pid");
    await mpd.stop();
    await assert.rejects(bySocket.command("status"), /MPD closed the connection/);
    assert.equal(mpd.pid(), undefined);
    assert.throws(() => process.kill(pid, 0), /ESRCH/);
  });

  it("the client refuses a peer that does not greet like MPD", async () => {
    const impostor = net.createServer((socket) => socket.end("SSH-2.0-OpenSSH_9.2\r\n"));
    await new Promise<void>((resolve) => impostor.listen(0, "127.0.0.1", resolve));
    after(() => impostor.close());
    const port = (impostor.address() as net.AddressInfo).port;
    await assert.rejects(TestMpdClient.open({ host: "127.0.0.1", port }), /^Error: not MPD: it said "SSH-2\.0-OpenSSH_9\.2\\r\\n"$/);
  });

  it("an mpd that cannot start says why", async () => {
    await assert.rejects(
      startTestMpd({ binary: "/nonexistent/bin/mpd" }),
      /^Error: mpd did not start: spawn \/nonexistent\/bin\/mpd ENOENT; it said: $/,
    );
  });
});

import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { parseSubject } from "@roomguard/bus";
import { isAlive, readCommandLine, readStat } from "@roomguard/runtime";
import { busRig, freePort, makeTracks, startServiceProcess, waitUntil, type BusRig, type ServiceProcess } from "@roomguard/testing";
import { MpdConnection } from "../src/mpd-connection.js";
import { audioOutputFor, privateMpdConfig } from "../src/private-mpd.js";
import { askStatus, MUSIC_PLAYER_MAIN, nextMatching, nextPayload, testMpd, untilMpd } from "./helpers.js";

interface PrivateStatus {
  mpd: { state: string; private: { state: string; pid?: number; restarts: number; error?: string } };
  songs?: number;
  problem?: string;
}

const pids = new Set<number>();
const players: ServiceProcess[] = [];
after(() => {
  // A failed test must not leave an mpd behind: the ones STATUS named, and the ones the players logged starting.
  for (const line of players.flatMap((player) => player.lines))
    if (line.msg === "started a private mpd" && typeof line.pid === "number") pids.add(line.pid);
  for (const pid of pids) {
    if (!readCommandLine(pid)?.some((arg) => arg.includes("/roomguard-spawn-"))) continue; // stopped, and the pid perhaps somebody else's now
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // gone, as it should be
    }
  }
});

/** A music player whose private mpds are killed when the file ends, should the test fail before it stops them. */
function watched(player: ServiceProcess): ServiceProcess {
  players.push(player);
  return player;
}

/** The STATUS answer; every private mpd pid it names is killed when the file ends. */
async function privateStatus(rig: BusRig): Promise<PrivateStatus> {
  const answer = await askStatus<PrivateStatus>(rig);
  const own = (answer.mpd as { private?: { pid?: number } }).private; // absent with the system MPD
  if (own?.pid) pids.add(own.pid);
  return answer;
}

function untilStatus(rig: BusRig, what: string, ready: (status: PrivateStatus) => boolean, timeoutMs = 10_000): Promise<PrivateStatus> {
  return waitUntil(() => privateStatus(rig), { what: `the music player to report ${what}`, until: ready, timeoutMs, intervalMs: 100 });
}

describe("the generated mpd.conf", () => {
  it("audioOutput auto: silent on simulated hardware, ALSA on a Pi; an explicit choice wins", () => {
    const pi = { model: "Raspberry Pi 4 Model B Rev 1.4", isRaspberryPi: true, isPi5: false };
    const laptop = { model: null, isRaspberryPi: false, isPi5: false };
    assert.equal(audioOutputFor("auto", "auto", pi), "alsa");
    assert.equal(audioOutputFor("auto", "auto", laptop), "null");
    assert.equal(audioOutputFor("auto", "sim", pi), "null");
    assert.equal(audioOutputFor("auto", "onoff", laptop), "alsa");
    assert.equal(audioOutputFor("alsa", "sim", laptop), "alsa");
    assert.equal(audioOutputFor("null", "auto", pi), "null");
  });

  it("keeps everything under stateDir, listens on TCP and a local socket, and picks the output", () => {
    const text = privateMpdConfig({
      musicDir: '/home/pi/My "Music"',
      stateDir: "/var/lib/roomguard/mpd",
      host: "127.0.0.1",
      port: 6600,
      output: "alsa",
      alsaDevice: "hw:0,0",
    });
    for (const line of [
      'music_directory "/home/pi/My \\"Music\\""',
      'db_file "/var/lib/roomguard/mpd/database"',
      'state_file "/var/lib/roomguard/mpd/state"',
      'playlist_directory "/var/lib/roomguard/mpd/playlists"',
      'bind_to_address "127.0.0.1"',
      'port "6600"',
      'bind_to_address "/var/lib/roomguard/mpd/socket"',
      '  type "alsa"',
      '  device "hw:0,0"',
    ]) {
      assert.ok(text.split("\n").includes(line), `${line} in:\n${text}`);
    }
    const silent = privateMpdConfig({ musicDir: "/m", stateDir: "/s", host: "127.0.0.1", port: 6600, output: "null", alsaDevice: "" });
    assert.match(silent, /type "null"\n {2}name "roomguard \(silent\)"\n {2}mixer_type "software"/);
  });
});

describe("the music player with its own private mpd (spawn: true)", { timeout: 120_000 }, () => {
  it("starts mpd, plays through it, restarts it after a crash, and stops it on SIGTERM", async () => {
    const rig = await busRig();
    const dir = mkdtempSync(path.join(tmpdir(), "roomguard-spawn-"));
    const musicDir = path.join(dir, "music");
    makeTracks(musicDir, [
      { file: "one.mp3", title: "One", seconds: 30 },
      { file: "two.mp3", title: "Two", seconds: 30 },
    ]);
    const port = await freePort();
    const player = watched(
      rig.service("music-player", MUSIC_PLAYER_MAIN, {
        hardware: { backend: "sim" },
        music: { mpd: { spawn: true, port, musicDir, stateDir: path.join(dir, "state") } },
      }),
    );
    await player.waitForLog((line) => line.msg === "connected to MPD", 10_000);
    const status = await untilStatus(rig, "two songs", (status) => status.songs === 2);
    assert.equal(status.mpd.private.state, "running");
    const firstPid = status.mpd.private.pid ?? assert.fail("no pid");
    assert.equal(readStat(firstPid)?.name, "mpd");

    // The private mpd listens on TCP too, for phone apps: the test watches through it.
    const observer = await MpdConnection.open({ host: "127.0.0.1", port });
    after(() => observer.close());
    await rig.wanted("KEY: SELECT");
    await rig.client.publish("KEY: SELECT");
    await untilMpd(observer, "playing One", (state) => state.state === "play" && state.Title === "One");
    const silent = readFileSync(path.join(dir, "state", "mpd.conf"), "utf8");
    assert.match(silent, /type "null"/, "hardware.backend sim: a silent output");

    process.kill(firstPid, "SIGKILL");
    await player.waitForLog((line) => line.msg === "the private mpd is not running; starting it again later");
    const restarted = await untilStatus(
      rig,
      "a new mpd",
      (status) => status.mpd.state === "connected" && status.mpd.private.pid !== firstPid,
    );
    assert.equal(restarted.mpd.private.restarts, 1);
    const secondPid = restarted.mpd.private.pid ?? assert.fail("no pid");
    const again = await MpdConnection.open({ host: "127.0.0.1", port });
    after(() => again.close());
    await rig.client.publish("KEY: RIGHT");
    await untilMpd(again, "playing after the restart", (state) => state.state === "play");

    assert.equal(await player.stop("SIGTERM"), 0);
    assert.equal(isAlive(secondPid), false, "the private mpd stopped with the service");
    assert.equal(existsSync(path.join(dir, "state", "mpd.pid")), false);
  });

  it("music copied into a system MPD's directory while MPD was stopped is found when the player connects", async () => {
    const rig = await busRig();
    const system = await testMpd();
    // MPD watches its directory only while it runs, and Debian's does not at all (auto_update off).
    await system.stop();
    makeTracks(system.musicDir, [{ file: "new/1.mp3", title: "Copied In", artist: "Tester", seconds: 5 }]);
    await system.start();
    const probe = await system.connect();
    assert.equal((await probe.command("stats")).find(([key]) => key === "songs")?.[1], "0", "MPD has not looked yet");
    const player = rig.service("music-player", MUSIC_PLAYER_MAIN, {
      hardware: { backend: "sim" },
      music: { mpd: { spawn: false, socket: system.socket } },
    });
    const status = await untilStatus(rig, "the copied song", (status) => status.songs === 1);
    assert.equal(status.problem, undefined);
    assert.equal(await player.stop("SIGTERM"), 0);
  });

  it("a system MPD with no music, a missing mpd binary, a taken port: a clear status, and the service stays up", async () => {
    const rig = await busRig();
    const dir = mkdtempSync(path.join(tmpdir(), "roomguard-spawn-"));
    // No demo tracks in somebody else's MPD: its empty music directory stays a problem, named as MPD names it.
    const system = await testMpd();
    const empty = rig.service("music-player", MUSIC_PLAYER_MAIN, {
      hardware: { backend: "sim" },
      music: { mpd: { spawn: false, socket: system.socket } },
    });
    const emptyStatus = await untilStatus(rig, "no songs", (status) => status.songs === 0);
    assert.equal(emptyStatus.problem, `MPD's music directory (${system.musicDir}) has no songs: put music files there`);
    // The heartbeat says it too, so the launcher's status shows it.
    const beat = await nextMatching(rig.client.subscribe("HEARTBEAT: music-player "), (text) => text.includes('"problem"'), 5000);
    assert.match(beat, /"mpd":"connected","problem":"MPD's music directory \(.*music\) has no songs: put music files there"/);
    await rig.client.publish("KEY: SELECT");
    await empty.waitForLog((line) => line.msg === "cannot toggle (KEY: SELECT): MPD's music directory has no songs: put music files there");
    assert.deepEqual(readdirSync(system.musicDir), [], "nothing written into the system MPD's music directory");
    assert.equal(await empty.stop("SIGTERM"), 0);

    const music = rig.client.subscribe("MUSIC:");
    await rig.wanted("MUSIC: offline");
    const missing = rig.service("music-player", MUSIC_PLAYER_MAIN, {
      hardware: { backend: "sim" },
      music: { mpd: { spawn: true, binary: "/nonexistent/bin/mpd", musicDir: dir, stateDir: path.join(dir, "state2") } },
    });
    const offline = await nextPayload<{ error: string }>(music);
    assert.equal(
      offline.payload.error,
      'mpd is not installed: no "/nonexistent/bin/mpd" found. Install it (sudo apt-get install mpd), or set music.mpd.spawn: false and point music.mpd at a running MPD',
    );
    const status = await privateStatus(rig);
    assert.equal(status.mpd.private.state, "failed");
    assert.equal(status.mpd.state, "unreachable");
    assert.equal(missing.child.exitCode, null, "still running");
    assert.equal(await missing.stop("SIGTERM"), 0);

    // Port 6600 taken (a system MPD already runs): mpd's own words say so.
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    after(() => taken.close());
    const port = (taken.address() as net.AddressInfo).port;
    const busy = watched(
      rig.service("music-player", MUSIC_PLAYER_MAIN, {
        hardware: { backend: "sim" },
        music: { mpd: { spawn: true, port, musicDir: dir, stateDir: path.join(dir, "state3") } },
      }),
    );
    const refused = await nextMatching(music, (text) => text.includes("mpd exited"), 10_000);
    assert.equal(
      refused,
      `MUSIC: offline {"error":"mpd exited (code 1): exception: Failed to bind to '127.0.0.1:${port}'; Failed to bind socket: Address already in use"}`,
    );
    assert.equal(await busy.stop("SIGTERM"), 0);
  });

  it("an empty music directory gets demo tracks: SELECT plays one, RIGHT the next; made once and said, not made again", async () => {
    const rig = await busRig();
    const dir = mkdtempSync(path.join(tmpdir(), "roomguard-spawn-"));
    const musicDir = path.join(dir, "music"); // not there yet, as in a fresh checkout
    const config = {
      hardware: { backend: "sim" },
      music: { mpd: { spawn: true, port: await freePort(), musicDir, stateDir: path.join(dir, "state") } },
    };
    const music = rig.client.subscribe("MUSIC: play");
    await rig.wanted("MUSIC: play");
    const first = watched(rig.service("music-player", MUSIC_PLAYER_MAIN, config));
    await first.waitForLog((line) => line.msg === "created the music directory, which did not exist: put music files there", 10_000);
    const demo = path.join(musicDir, "roomguard-demo");
    await first.waitForLog(
      (line) =>
        line.msg ===
        `MPD's music directory has no music: made demo tracks to play, in ${demo}. Put your own music files in ${musicDir}; delete ${demo} to take the demo tracks out`,
      10_000,
    );
    const status = await untilStatus(rig, "the three demo tracks", (status) => status.songs === 3);
    assert.equal(status.problem, undefined, "something to play is no problem");

    await rig.wanted("KEY: SELECT");
    await rig.client.publish("KEY: SELECT");
    const playing = await nextPayload<{ title: string; artist: string; file: string; duration_s: number }>(music);
    assert.deepEqual(
      [playing.subject, playing.payload.title, playing.payload.artist, playing.payload.file, playing.payload.duration_s],
      ["play", "Morning Bells", "roomguard demo", "roomguard-demo/1 Morning Bells.wav", 6],
      "MPD reads the title from the WAV file's INFO chunk, and plays it for 6 s",
    );
    await rig.client.publish("KEY: RIGHT");
    const next = await nextMatching(music, (text) => !text.includes('"title":"Morning Bells"'));
    assert.match(
      next,
      /^MUSIC: play \{"state":"play","title":"Night Watch","artist":"roomguard demo","file":"roomguard-demo\/2 Night Watch.wav",.*"duration_s":8,/,
    );
    assert.equal(first.lines.filter((line) => line.msg.includes("made demo tracks")).length, 1);
    assert.equal(first.lines.filter((line) => line.msg.includes("has no songs")).length, 0, "no warning about an empty library");
    assert.equal(
      first.lines.filter((line) => line.msg.includes("has only roomguard's demo tracks")).length,
      0,
      "said once, as they were made",
    );
    assert.equal(await first.stop("SIGTERM"), 0);

    // The next start finds them: nothing written again, and the log says again where one's own music goes.
    const written = statSync(path.join(demo, "1 Morning Bells.wav")).mtimeMs;
    const second = watched(rig.service("music-player", MUSIC_PLAYER_MAIN, config));
    await second.waitForLog(
      (line) => line.msg === `MPD's library has only roomguard's demo tracks: put your own music files in ${musicDir}`,
      10_000,
    );
    assert.equal((await untilStatus(rig, "three songs", (status) => status.songs === 3)).problem, undefined);
    assert.equal(second.lines.filter((line) => line.msg.includes("made demo tracks")).length, 0);
    assert.equal(statSync(path.join(demo, "1 Morning Bells.wav")).mtimeMs, written);
    assert.equal(await second.stop("SIGTERM"), 0);
  });

  it("the heartbeat's problem follows MPD at once: none in the first beat after connecting, a crash's at once, cleared at once", async () => {
    const rig = await busRig();
    const dir = mkdtempSync(path.join(tmpdir(), "roomguard-spawn-"));
    const musicDir = path.join(dir, "music");
    makeTracks(musicDir, [{ file: "one.mp3", title: "One", seconds: 5 }]);
    const subscription = rig.client.subscribe("HEARTBEAT: music-player ");
    await rig.wanted("HEARTBEAT: music-player ");
    const beats: Array<{ at: number; mpd?: string; problem?: string }> = [];
    void (async () => {
      for await (const message of subscription) beats.push({ at: Date.now(), ...(parseSubject(message).payload as object) });
    })();
    after(() => subscription.close());
    /** The first beat from index `from` on that matches, within `ms`. */
    const beat = async (what: string, from: number, match: (beat: (typeof beats)[number]) => boolean, ms = 2000) => {
      const seen = await waitUntil(() => beats.slice(from), {
        what: `a heartbeat ${what}`,
        until: (seen) => seen.some(match),
        timeoutMs: ms,
        intervalMs: 10,
      });
      return seen.find(match) as (typeof beats)[number];
    };
    // Regular beats 10 s apart: anything sooner is a beat sent because the problem changed.
    const player = watched(
      rig.service("music-player", MUSIC_PLAYER_MAIN, {
        bus: { ...rig.endpoints, heartbeatIntervalS: 10 },
        hardware: { backend: "sim" },
        music: { mpd: { spawn: true, port: await freePort(), musicDir, stateDir: path.join(dir, "state") } },
      }),
    );
    await player.waitForLog((line) => line.msg === "connected to MPD", 10_000);
    const connected = await beat("connected", 0, (beat) => beat.mpd === "connected");
    assert.equal(connected.problem, undefined, "the first heartbeat after connecting has no problem");
    // Before it, while the private mpd came up, a beat may have said there was no socket yet.
    for (const early of beats.slice(0, beats.indexOf(connected)))
      assert.match(early.problem ?? "", /^$|no MPD socket at .*socket: is MPD running\?/);

    const pid = (await privateStatus(rig)).mpd.private.pid ?? assert.fail("no pid");
    const killedFrom = beats.length;
    process.kill(pid, "SIGKILL");
    const lost = await beat("with the crash", killedFrom, (beat) => beat.problem !== undefined);
    assert.match(lost.problem ?? "", /mpd exited \(SIGKILL\)|MPD at .*socket (closed the connection|broke)/);
    await player.waitForLog(
      (line) => line.msg === "connected to MPD" && player.lines.filter((seen) => seen.msg === "connected to MPD").length === 2,
      10_000,
    );
    const back = await beat("connected again", beats.indexOf(lost), (beat) => beat.mpd === "connected");
    assert.equal(back.problem, undefined);
    assert.ok(beats.length < 12, `a beat for each change, not a stream: ${beats.length}`);
    assert.equal(await player.stop("SIGTERM"), 0);
  });

  it("a private mpd left behind by a killed music player is stopped before a new one starts", async () => {
    const rig = await busRig();
    const dir = mkdtempSync(path.join(tmpdir(), "roomguard-spawn-"));
    mkdirSync(path.join(dir, "music"));
    const config = {
      hardware: { backend: "sim" },
      music: { mpd: { spawn: true, port: await freePort(), musicDir: path.join(dir, "music"), stateDir: path.join(dir, "state") } },
    };
    const first = watched(rig.service("music-player", MUSIC_PLAYER_MAIN, config));
    await first.waitForLog((line) => line.msg === "connected to MPD", 10_000);
    const orphan = (await privateStatus(rig)).mpd.private.pid ?? assert.fail("no pid");
    assert.equal(await first.stop("SIGKILL"), null);
    assert.equal(isAlive(orphan), true, "SIGKILL gives the service no chance to stop its mpd");

    const second = watched(rig.service("music-player", MUSIC_PLAYER_MAIN, config));
    await second.waitForLog((line) => line.msg === "stopping a private mpd left running by an earlier music player" && line.pid === orphan);
    await second.waitForLog((line) => line.msg === "connected to MPD", 10_000);
    assert.equal(isAlive(orphan), false);
    assert.equal(await second.stop("SIGTERM"), 0);
  });
});

describe("config errors", { timeout: 30_000 }, () => {
  it("a keymap action or sound file that cannot work stops the service at start with exit 78, naming the key", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "roomguard-music-config-"));
    const child = startServiceProcess({
      name: "music-player",
      main: MUSIC_PLAYER_MAIN,
      config: {
        log: { format: "json" },
        music: { keymap: { UP: "louder", "BAD KEY": "next", "1": "playlist 0" }, siren: { file: "sounds/missing.mp3" } },
      },
      dir,
    });
    assert.equal(await child.exited, 78);
    const error = child.lines.find((line) => line.level === "error");
    assert.deepEqual(error?.issues, [
      'music.keymap.BAD KEY: expected a key name of letters, digits or * # + - . / _ (no spaces), got "BAD KEY"',
      'music.keymap.1: expected one of: previous, next, toggle, play, pause, stop, volume +N, volume -N, playlist N; got "playlist 0"',
      'music.keymap.UP: expected one of: previous, next, toggle, play, pause, stop, volume +N, volume -N, playlist N; got "louder"',
      `music.siren.file: expected a sound file, got ${path.join(dir, "sounds/missing.mp3")}, which does not exist`,
    ]);
  });
});

// 100,000 keys in a burst: MPD does a bounded amount of work, and a key after the burst takes effect at once.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { statusBytes } from "@roomguard/runtime";
import { busRig } from "@roomguard/testing";
import { askStatus, MUSIC_PLAYER_MAIN, testMpd, TRACKS, untilMpd } from "./helpers.js";

describe("the music player under a flood of keys", { timeout: 120_000 }, () => {
  it("100,000 KEY: RIGHT are merged, said once; a KEY: SELECT right after pauses within seconds", async () => {
    const rig = await busRig();
    const mpd = await testMpd(TRACKS);
    const observer = await mpd.connect();
    // Playing, repeating: however many songs the flood skips, the music still plays when it ends.
    await observer.commandList(['add ""', "repeat 1", "play 0"]);
    const player = rig.service("music-player", MUSIC_PLAYER_MAIN, {
      hardware: { backend: "sim" },
      music: { mpd: { spawn: false, socket: mpd.socket } },
    });
    await player.waitForLog((line) => line.msg === "connected to MPD");
    await rig.wanted("KEY: RIGHT");

    const flood = 100_000;
    for (let i = 0; i < flood; i++) void rig.client.publish("KEY: RIGHT");
    await rig.client.publish("KEY: SELECT");
    // Before, every key waited its turn: SELECT paused the music 66 s later, after 100,000 skips.
    await untilMpd(observer, "paused", (state) => state.state === "pause", 10_000);

    const status = await askStatus<{ presses: number; keys_merged: number; keys_dropped: number }>(rig);
    const done = status.presses - status.keys_merged - status.keys_dropped;
    assert.ok(status.presses <= flood + 1 && status.keys_merged > 0, JSON.stringify(status));
    assert.ok(done < 2000, `MPD was asked to act on ${done} keys of ${status.presses}`);
    assert.equal(player.lines.filter((line) => line.msg.startsWith("keys come faster than MPD takes them")).length, 1);
    assert.equal(await player.stop("SIGTERM"), 0);
  });

  it("4,000 distinct 32 KB key names it does not know: logged once each up to a limit, cut short, not kept", async () => {
    const rig = await busRig();
    const mpd = await testMpd(TRACKS);
    const observer = await mpd.connect();
    await observer.commandList(['add ""', "play 0"]);
    const player = rig.service("music-player", MUSIC_PLAYER_MAIN, {
      hardware: { backend: "sim" },
      music: { mpd: { spawn: false, socket: mpd.socket } },
    });
    await player.waitForLog((line) => line.msg === "connected to MPD");
    await rig.wanted("KEY: RIGHT");
    const pid = player.child.pid ?? assert.fail("no pid");
    const before = statusBytes(pid, "VmRSS") ?? 0;

    for (let i = 0; i < 4000; i++) await rig.client.publish(`KEY: ${`${i}`.padEnd(32 * 1024, "X")}`);
    await rig.client.publish("KEY: SELECT");
    await untilMpd(observer, "paused", (state) => state.state === "pause", 10_000);
    const grew = (statusBytes(pid, "VmRSS") ?? 0) - before;
    const unknown = player.lines.filter((line) => line.msg === "ignoring a key the keymap does not map");
    assert.ok(unknown.length > 0 && unknown.length <= 1000, `${unknown.length} lines`);
    assert.ok(unknown.every((line) => String(line.key).length < 300));
    // It once kept every name (+350 MB here); the names alone are 128 MB, and garbage (+70 MB) comes and goes.
    assert.ok(grew < 128 * 1024 * 1024, `the music player grew by ${Math.round(grew / 1048576)} MB`);
    assert.equal(await player.stop("SIGTERM"), 0);
  });
});

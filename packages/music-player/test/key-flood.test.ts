// 100,000 keys in a burst: MPD does a bounded amount of work, and a key after the burst takes effect at once.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
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
});

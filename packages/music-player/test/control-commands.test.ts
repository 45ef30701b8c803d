// CONTROL: music-player PLAY/PAUSE/TOGGLE/NEXT/PREVIOUS/VOLUME against a real MPD: what the keys do, answered by id.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { BusMessage, Subscription } from "@roomguard/bus";
import { statusBytes } from "@roomguard/runtime";
import { busRig, nextMatching, type BusRig, type TestMpd } from "@roomguard/testing";
import { volumeOf } from "../src/commands.js";
import { SHIPPED_SOUNDS } from "../src/sounds.js";
import { askStatus, MUSIC_PLAYER_MAIN, mpdState, testMpd, TRACKS, untilMpd } from "./helpers.js";

async function startPlayer(rig: BusRig, mpd: TestMpd) {
  const player = rig.service("music-player", MUSIC_PLAYER_MAIN, {
    hardware: { backend: "sim" },
    music: { mpd: { spawn: false, socket: mpd.socket } },
  });
  await player.waitForLog((line) => line.msg === "connected to MPD");
  await rig.wanted("CONTROL: music-player PLAY");
  await rig.wanted("ALARM: triggered");
  return player;
}

/** The answers' payloads by request id, as they come. */
function answersOf(rig: BusRig): { subscription: Subscription<BusMessage>; answer(id: string): Promise<Record<string, unknown>> } {
  const subscription = rig.client.subscribe("STATUS: music-player ");
  return {
    subscription,
    async answer(id) {
      const message = await nextMatching(subscription, `the answer ${id}`, (text) => text.text.includes(`{"id":${JSON.stringify(id)}`));
      return JSON.parse(message.text.slice(message.text.indexOf("{"))) as Record<string, unknown>;
    },
  };
}

let asked = 0;
/** Sends `CONTROL: music-player <command> {"id":…,…args}` and returns the answer. */
async function ask(rig: BusRig, answers: ReturnType<typeof answersOf>, command: string, args: Record<string, unknown> = {}) {
  const id = `q${++asked}`;
  await rig.client.publish(`CONTROL: music-player ${command} ${JSON.stringify({ id, ...args })}`);
  return answers.answer(id);
}

describe("volumeOf: VOLUME's argument", () => {
  it("takes an integer from 0 to 100 and names what came otherwise, cut short", () => {
    assert.deepEqual([volumeOf({ volume: 0 }), volumeOf({ volume: 100, id: "x" })], [{ volume: 0 }, { volume: 100 }]);
    const expected = 'VOLUME: expected {"volume": an integer from 0 to 100}, got';
    assert.deepEqual(
      [undefined, [], { id: "x" }, { volume: 101 }, { volume: -1 }, { volume: 5.5 }, { volume: "50" }, { volume: null }].map(volumeOf),
      [
        { error: `${expected} no JSON object` },
        { error: `${expected} no JSON object` },
        { error: `${expected} no "volume"` },
        { error: `${expected} 101` },
        { error: `${expected} -1` },
        { error: `${expected} 5.5` },
        { error: `${expected} "50"` },
        { error: `${expected} null` },
      ],
    );
    assert.match((volumeOf({ volume: "x".repeat(10_000) }) as { error: string }).error, /got "x{39}…$/);
  });
});

describe("the music player's control commands with a real MPD", { timeout: 120_000 }, () => {
  it("PLAY, NEXT, PREVIOUS, PAUSE, TOGGLE and VOLUME drive MPD as the keys do; a wrong volume is an error; the siren refuses them", async () => {
    const rig = await busRig();
    const mpd = await testMpd(TRACKS);
    const observer = await mpd.connect();
    await observer.command("setvol 50");
    const answers = answersOf(rig);
    await rig.wanted("STATUS: music-player {");
    const player = await startPlayer(rig, mpd);

    // An empty queue: the whole library, playing (as the SELECT key does).
    assert.deepEqual(await ask(rig, answers, "PLAY"), { id: "q1", accepted: "PLAY" });
    const first = await untilMpd(observer, "playing the library", (state) => state.state === "play" && state.playlistlength === "4");
    assert.equal(first.Title, "Track 1");
    assert.deepEqual(await ask(rig, answers, "NEXT"), { id: "q2", accepted: "NEXT" });
    await untilMpd(observer, "track 2", (state) => state.Title === "Track 2");
    await ask(rig, answers, "NEXT");
    await untilMpd(observer, "track 3", (state) => state.Title === "Track 3");
    assert.deepEqual(await ask(rig, answers, "PREVIOUS"), { id: "q4", accepted: "PREVIOUS" });
    await untilMpd(observer, "track 2 again", (state) => state.Title === "Track 2");
    assert.deepEqual(await ask(rig, answers, "PAUSE"), { id: "q5", accepted: "PAUSE" });
    await untilMpd(observer, "paused", (state) => state.state === "pause");
    await ask(rig, answers, "PAUSE"); // paused stays paused
    assert.deepEqual(await ask(rig, answers, "TOGGLE"), { id: "q7", accepted: "TOGGLE" });
    await untilMpd(observer, "playing track 2", (state) => state.state === "play" && state.Title === "Track 2");
    await ask(rig, answers, "TOGGLE");
    await untilMpd(observer, "paused again", (state) => state.state === "pause");
    await ask(rig, answers, "PLAY");
    await untilMpd(observer, "playing again", (state) => state.state === "play" && state.Title === "Track 2");
    assert.deepEqual(await ask(rig, answers, "VOLUME", { volume: 30 }), { id: "q10", accepted: "VOLUME", volume: 30 });
    await untilMpd(observer, "volume 30", (state) => state.volume === "30");
    await ask(rig, answers, "VOLUME", { volume: 0 });
    await untilMpd(observer, "volume 0", (state) => state.volume === "0");
    await ask(rig, answers, "VOLUME", { volume: 100 });
    await untilMpd(observer, "volume 100", (state) => state.volume === "100");

    // Wrong volumes: an error naming what came, MPD untouched.
    for (const [args, got] of [
      [{}, 'no "volume"'],
      [{ volume: 101 }, "101"],
      [{ volume: -5 }, "-5"],
      [{ volume: 42.5 }, "42.5"],
      [{ volume: "40" }, '"40"'],
    ] as const) {
      const answer = await ask(rig, answers, "VOLUME", args);
      assert.deepEqual(answer, { id: `q${asked}`, error: `VOLUME: expected {"volume": an integer from 0 to 100}, got ${got}` });
    }
    await rig.client.publish("CONTROL: music-player VOLUME"); // no arguments, no id: answered all the same
    const bare = await nextMatching(
      answers.subscription,
      "the answer without an id",
      (message) => message.text.includes('"error"') && !message.text.includes('"id"'),
    );
    assert.equal(
      bare.text,
      'STATUS: music-player {"error":"VOLUME: expected {\\"volume\\": an integer from 0 to 100}, got no JSON object"}',
    );
    assert.equal((await mpdState(observer)).volume, "100");

    // The siren: every command refused, saying why; the music left alone until it ends.
    await rig.client.publish('ALARM: triggered {"mode":"away"}');
    await untilMpd(observer, "the siren", (state) => state.file === SHIPPED_SOUNDS.siren && state.state === "play");
    for (const [command, args] of [
      ["PAUSE", {}],
      ["NEXT", {}],
      ["VOLUME", { volume: 10 }],
    ] as const) {
      const answer = await ask(rig, answers, command, args);
      assert.deepEqual(answer, {
        id: `q${asked}`,
        refused: command,
        reason: "the siren is playing (the alarm is triggered): the music is left alone until the alarm ends it",
        ...(command === "VOLUME" ? { volume: 10 } : {}),
      });
    }
    const during = await mpdState(observer);
    assert.deepEqual([during.file, during.state], [SHIPPED_SOUNDS.siren, "play"]);
    await rig.client.publish('ALARM: disarmed {"mode":null}');
    const back = await untilMpd(observer, "the music back", (state) => state.Title === "Track 2" && state.state === "play");
    assert.equal(back.volume, "100", "the refused VOLUME 10 did nothing");

    const status = await askStatus<{ commands: number; presses: number }>(rig);
    assert.deepEqual([status.commands, status.presses], [12, 0]);
    assert.equal(await player.stop("SIGTERM"), 0);
  });

  it("1,000 VOLUME commands at once: each answered, merged while they wait, memory flat; the last one wins", async () => {
    const rig = await busRig();
    const mpd = await testMpd(TRACKS);
    const observer = await mpd.connect();
    await observer.commandList(['add ""', "setvol 50", "play 0"]);
    const answers = answersOf(rig);
    await rig.wanted("STATUS: music-player {");
    const player = await startPlayer(rig, mpd);
    const pid = player.child.pid ?? assert.fail("no pid");
    const before = statusBytes(pid, "VmRSS") ?? 0;

    const flood = 1000;
    for (let i = 0; i < flood; i++) void rig.client.publish(`CONTROL: music-player VOLUME {"id":"f${i}","volume":${i % 101}}`);
    await rig.client.publish('CONTROL: music-player VOLUME {"id":"last","volume":37}');
    const answered = new Set<string>();
    for (;;) {
      const message = await answers.subscription.nextWithin(10_000);
      if (!message) assert.fail(`${answered.size} answers of ${flood + 1} came`);
      const { id, accepted } = JSON.parse(message.text.slice(message.text.indexOf("{"))) as { id: string; accepted?: string };
      assert.equal(accepted, "VOLUME", message.text);
      answered.add(id);
      if (id === "last") break;
    }
    assert.equal(answered.size, flood + 1, "every command answered, in order");
    await untilMpd(observer, "volume 37", (state) => state.volume === "37", 10_000);

    const status = await askStatus<{ commands: number; keys_merged: number; keys_dropped: number }>(rig);
    assert.equal(status.commands, flood + 1);
    assert.equal(status.keys_dropped, 0, "repeats of one command merge: nothing dropped");
    assert.ok(status.commands - status.keys_merged < 200, `MPD was asked to set the volume ${status.commands - status.keys_merged} times`);
    const grew = (statusBytes(pid, "VmRSS") ?? 0) - before;
    assert.ok(grew < 32 * 1024 * 1024, `the music player grew by ${Math.round(grew / 1048576)} MB`);
    assert.equal(player.child.exitCode, null);
    assert.equal((await mpdState(observer)).state, "play");
    assert.equal(await player.stop("SIGTERM"), 0);
  });
});

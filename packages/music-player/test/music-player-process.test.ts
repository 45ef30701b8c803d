import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { busRig, freePort, type BusRig, type TestMpd } from "@roomguard/testing";
import { SHIPPED_SOUNDS } from "../src/sounds.js";
import type { MpdConnection } from "../src/mpd-connection.js";
import { askStatus, MUSIC_PLAYER_MAIN, mpdState, nextMatching, nextPayload, storePlaylists, testMpd, TRACKS, untilMpd } from "./helpers.js";

/** The music player on the rig's bus, using `mpd` as the system MPD (through its local socket). */
async function startPlayer(rig: BusRig, mpd: TestMpd, extra: Record<string, unknown> = {}) {
  const player = rig.service("music-player", MUSIC_PLAYER_MAIN, {
    hardware: { backend: "sim" },
    music: { mpd: { spawn: false, socket: mpd.socket }, ...extra },
  });
  await player.waitForLog((line) => line.msg === "connected to MPD");
  await rig.wanted("KEY: LEFT");
  await rig.wanted("ALARM: triggered");
  return player;
}

async function press(rig: BusRig, key: string): Promise<void> {
  await rig.client.publish(`KEY: ${key}`);
}

describe("the music player with a real MPD", { timeout: 120_000 }, () => {
  it("keys drive MPD: play, next, previous, pause, volume, playlists; MUSIC follows MPD's changes", async () => {
    const rig = await busRig();
    const mpd = await testMpd(TRACKS);
    const observer = await mpd.connect();
    await storePlaylists(observer);
    await observer.command("setvol 50");
    const music = rig.client.subscribe("MUSIC:");
    await rig.wanted("MUSIC: play");
    const player = await startPlayer(rig, mpd);
    assert.deepEqual(await nextPayload(music), {
      subject: "stop",
      payload: { state: "stop", title: null, artist: null, file: null, elapsed_s: null, duration_s: null, volume: 50, playlist: null },
    });

    await press(rig, "SELECT"); // an empty queue: the whole library, playing
    const first = await untilMpd(observer, "playing the library", (state) => state.state === "play" && state.playlistlength === "4");
    assert.equal(first.Title, "Track 1");
    const playing = await nextMatching(music, (text) => text.startsWith("MUSIC: play"));
    const payload = JSON.parse(playing.slice(playing.indexOf("{"))) as { duration_s: number };
    // MP3 frames round a 30 s track up a little; elapsed depends on when MPD was asked.
    assert.deepEqual(
      { ...payload, elapsed_s: 0, duration_s: Math.round(payload.duration_s) },
      {
        state: "play",
        title: "Track 1",
        artist: "Tester",
        file: "album/1.mp3",
        elapsed_s: 0,
        duration_s: 30,
        volume: 50,
        playlist: null,
      },
    );

    await press(rig, "RIGHT");
    await untilMpd(observer, "track 2", (state) => state.Title === "Track 2");
    await nextMatching(music, (text) => text.includes('"title":"Track 2"'));
    await press(rig, "RIGHT");
    await untilMpd(observer, "track 3", (state) => state.Title === "Track 3");
    await press(rig, "LEFT");
    await untilMpd(observer, "track 2 again", (state) => state.Title === "Track 2");

    await press(rig, "UP");
    await untilMpd(observer, "volume 55", (state) => state.volume === "55");
    await nextMatching(music, (text) => text.includes('"volume":55'));
    await press(rig, "DOWN");
    await press(rig, "DOWN");
    await untilMpd(observer, "volume 45", (state) => state.volume === "45");

    await press(rig, "SELECT");
    await untilMpd(observer, "paused", (state) => state.state === "pause");
    await nextMatching(music, (text) => text.startsWith("MUSIC: pause "));
    await press(rig, "SELECT");
    await untilMpd(observer, "playing again", (state) => state.state === "play" && state.Title === "Track 2");

    await press(rig, "2"); // the second stored playlist by name
    const evening = await untilMpd(observer, "playlist B", (state) => state.playlistlength === "2" && state.Title === "Track 3");
    assert.equal(evening.state, "play");
    await nextMatching(music, (text) => text.includes('"playlist":"B evening"') && text.includes('"title":"Track 3"'));
    await press(rig, "1");
    await untilMpd(observer, "playlist A", (state) => state.Title === "Track 1" && state.playlistlength === "2");

    await press(rig, "7");
    await player.waitForLog(
      (line) => line.msg === "cannot playlist (KEY: 7): no stored playlist number 7 (MPD has 2: A morning, B evening)",
    );
    await press(rig, "F1");
    await press(rig, "F1");
    await player.waitForLog((line) => line.msg === "ignoring a key the keymap does not map" && line.key === "F1");
    assert.equal(player.lines.filter((line) => line.key === "F1").length, 1, "an unknown key is logged once");

    // A change made by another MPD client (a phone app) is published too; the playlist is no longer ours.
    await observer.command("next");
    await nextMatching(music, (text) => text.includes('"title":"Track 2"') && text.includes('"playlist":"A morning"'));
    await observer.command("clear");
    await nextMatching(music, (text) => text.startsWith("MUSIC: stop") && text.includes('"playlist":null'));

    await rig.wanted("CONTROL: music-player STATE");
    await rig.client.publish("CONTROL: music-player STATE");
    await nextMatching(music, (text) => text.startsWith("MUSIC: stop"));
    const answer = await askStatus<{ mpd: { state: string }; presses: number; alarm: string }>(rig);
    assert.equal(answer.mpd.state, "connected");
    assert.equal(answer.alarm, "unknown");
    assert.ok(answer.presses >= 11, `presses counted: ${answer.presses}`);
    assert.equal(await player.stop("SIGTERM"), 0);
  });

  it("the siren interrupts the music and gives it back: song, position, volume, options; paused stays paused", async () => {
    const rig = await busRig();
    const mpd = await testMpd(TRACKS);
    const observer = await mpd.connect();
    await observer.commandList(['add ""', "setvol 40", "play 1"]);
    await observer.command("seekcur 12");
    const player = await startPlayer(rig, mpd, { siren: { volume: 90 } });
    const before = await mpdState(observer);
    const beforeAt = Date.now();
    assert.equal(before.Title, "Track 2");

    await rig.client.publish('ALARM: triggered {"mode":"away","changed_by":"alarm","open_zones":["front"]}');
    const siren = await untilMpd(observer, "the siren", (state) => state.file === SHIPPED_SOUNDS.siren && state.state === "play");
    const sirenAt = Date.now();
    assert.deepEqual([siren.volume, siren.repeat, siren.single, siren.playlistlength], ["90", "1", "1", "5"]);
    // It loops: past its 2 s length it is still the siren, playing.
    await new Promise((resolve) => setTimeout(resolve, 2600));
    await press(rig, "RIGHT"); // keys do nothing while the siren sounds
    const later = await mpdState(observer);
    assert.equal(later.file, SHIPPED_SOUNDS.siren);
    assert.equal(later.state, "play");
    await player.waitForLog((line) => line.msg === "ignoring a key while an alert sound plays");

    const disarmAt = Date.now();
    await rig.client.publish('ALARM: disarmed {"mode":null,"changed_by":"alice"}');
    const after = await untilMpd(observer, "the music back", (state) => state.Title === "Track 2" && state.state === "play");
    const afterAt = Date.now();
    assert.deepEqual([after.volume, after.repeat, after.single, after.playlistlength, after.songid], ["40", "0", "0", "4", before.songid]);
    // Where it was when the siren took over (between the two reads around the trigger), plus
    // what it has played since it came back (at most the time from the disarm to the read).
    const elapsed = Number(after.elapsed);
    const from = Number(before.elapsed);
    const to = from + (sirenAt - beforeAt + afterAt - disarmAt) / 1000 + 0.3;
    assert.ok(elapsed >= from && elapsed <= to, `resumed at ${elapsed} s, where it was: ${from}–${to.toFixed(1)} s`);

    // Paused music stays paused, at its place.
    await observer.command("pause 1");
    const paused = await mpdState(observer);
    await rig.client.publish("ALARM: triggered {}");
    await untilMpd(observer, "the siren", (state) => state.file === SHIPPED_SOUNDS.siren && state.state === "play");
    await rig.client.publish("ALARM: armed_away {}"); // any state but triggered ends the siren
    const back = await untilMpd(observer, "paused music back", (state) => state.Title === "Track 2" && state.state === "pause");
    assert.equal(back.elapsed, paused.elapsed);
    assert.equal(back.volume, "40");

    // Another client deletes the interrupted song during the alarm: stopped, the rest put back.
    await rig.client.publish("ALARM: triggered {}");
    await untilMpd(observer, "the siren", (state) => state.file === SHIPPED_SOUNDS.siren && state.state === "play");
    await observer.command(`deleteid ${back.songid}`);
    await rig.client.publish("ALARM: disarmed {}");
    const stopped = await untilMpd(observer, "a stop", (state) => state.state === "stop" && state.repeat === "0");
    assert.deepEqual([stopped.volume, stopped.single, stopped.playlistlength], ["40", "0", "3"], "three songs left, the siren gone");
    await player.waitForLog((line) => line.msg === "cannot put everything back as it was");
    assert.equal(await player.stop("SIGTERM"), 0);
  });

  it("ALARM: chime plays the door chime once and the music carries on; a door's own DOOR: message chimes no more", async () => {
    const rig = await busRig();
    const mpd = await testMpd(TRACKS);
    const observer = await mpd.connect();
    await observer.commandList(['add ""', "setvol 30", "play 2"]);
    const player = await startPlayer(rig, mpd, { chime: { volume: 70 } });
    const chimes = () => player.lines.filter((line) => line.msg === "playing the chime").length;

    await rig.client.publish("DOOR: front closed"); // the alarm decides what chimes now, not the music player
    await rig.client.publish("DOOR: front open");
    await rig.client.publish('ALARM: chime {"zone":"front"}');
    const chime = await untilMpd(observer, "the chime", (state) => state.file === SHIPPED_SOUNDS.chime);
    assert.equal(chime.volume, "70");
    const after = await untilMpd(observer, "the music back", (state) => state.Title === "Track 3" && state.state === "play", 8000);
    assert.deepEqual([after.volume, after.playlistlength, after.single], ["30", "4", "0"]);
    assert.equal(chimes(), 1, "only the alarm's chime chimed");

    await rig.client.publish('ALARM: chime {"zone":"back"}');
    await player.waitForLog(
      (line) => line.msg === "playing the chime" && line !== player.lines.find((first) => first.msg === "playing the chime"),
    );
    assert.equal(chimes(), 2);
    await untilMpd(observer, "the music back", (state) => state.Title === "Track 3" && state.state === "play", 8000);
    assert.equal(await player.stop("SIGTERM"), 0);
  });

  it("survives MPD restarting: says it is offline, reconnects, and keys work again", async () => {
    const rig = await busRig();
    const mpd = await testMpd(TRACKS);
    let observer: MpdConnection = await mpd.connect();
    await observer.commandList(['add ""', "play 0"]);
    const music = rig.client.subscribe("MUSIC:");
    await rig.wanted("MUSIC: play");
    const player = await startPlayer(rig, mpd);

    await mpd.stop();
    const offline = await nextMatching(music, (text) => text.startsWith("MUSIC: offline"));
    assert.match(offline, /^MUSIC: offline \{"error":"(the connection to )?MPD at .*socket (closed the connection|broke: .+)"\}$/);
    await press(rig, "RIGHT"); // nobody to tell: logged, not a crash
    await player.waitForLog((line) => line.msg === "MPD is not connected: keys do nothing until it is");

    await mpd.start();
    await player.waitForLog(
      (line) => line.msg === "connected to MPD" && player.lines.filter((seen) => seen.msg === "connected to MPD").length === 2,
      10_000,
    );
    observer = await mpd.connect();
    const resumed = await mpdState(observer);
    await press(rig, "RIGHT");
    await untilMpd(observer, "the next song after the restart", (state) => state.songid !== resumed.songid && state.state === "play");
    assert.equal(player.child.exitCode, null);
    assert.equal(await player.stop("SIGTERM"), 0);
  });

  it("a refused connection is a clear status and an offline message; the service stays up", async () => {
    const rig = await busRig();
    const port = await freePort();
    const music = rig.client.subscribe("MUSIC:");
    await rig.wanted("MUSIC: offline");
    const player = rig.service("music-player", MUSIC_PLAYER_MAIN, { music: { mpd: { spawn: false, host: "127.0.0.1", port } } });
    const offline = await nextPayload<{ error: string }>(music);
    assert.deepEqual(offline, { subject: "offline", payload: { error: `nothing listens at 127.0.0.1:${port}: is MPD running?` } });

    const answer = await askStatus<{ mpd: { state: string; error: string; failures: number } }>(rig);
    assert.equal(answer.mpd.state, "unreachable");
    assert.equal(answer.mpd.error, `nothing listens at 127.0.0.1:${port}: is MPD running?`);
    await rig.client.publish("KEY: RIGHT");
    await player.waitForLog((line) => line.msg === "MPD is not connected: keys do nothing until it is");
    await rig.client.publish("CONTROL: music-player STATE");
    assert.match((await music.nextWithin(3000))?.text ?? "", /^MUSIC: offline \{"error":"nothing listens/);
    const heartbeats = rig.client.subscribe("HEARTBEAT: music-player ");
    assert.match(
      (await heartbeats.nextWithin(3000))?.text ?? "",
      new RegExp(
        `^HEARTBEAT: music-player \\{"pid":\\d+,"uptime_s":[\\d.]+,"mpd":"unreachable","problem":"nothing listens at 127\\.0\\.0\\.1:${port}: is MPD running\\?"\\}$`,
      ),
    );
    assert.equal(await player.stop("SIGTERM"), 0); // as the launcher stops it (CONTROL: STOP needs bus.acceptStop)
  });
});

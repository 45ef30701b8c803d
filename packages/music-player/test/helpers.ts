import assert from "node:assert/strict";
import { after } from "node:test";
import { fileURLToPath } from "node:url";
import { parseSubject, type Subscription, type BusMessage } from "@roomguard/bus";
import {
  nextMatching as nextMatchingMessage,
  startTestMpd,
  waitUntil,
  type BusRig,
  type TestMpd,
  type TestTrack,
} from "@roomguard/testing";
import { MpdConnection, type MpdConnectionOptions } from "../src/mpd-connection.js";
import { mpdCommand, pairsToRecord } from "../src/mpd-protocol.js";

export const MUSIC_PLAYER_MAIN = fileURLToPath(new URL("../src/main.js", import.meta.url));

/** Four 30 s tracks with tags: a queue long enough to skip around in. */
export const TRACKS = [1, 2, 3, 4].map((n) => ({ file: `album/${n}.mp3`, title: `Track ${n}`, artist: "Tester", seconds: 30 }));

export type MpdState = Record<string, string> & { file?: string };

/** MPD's `status` and `currentsong` in one object (their keys differ), read through the test's own connection. */
export async function mpdState(mpd: MpdConnection): Promise<MpdState> {
  // One command list: MPD answers both at the same instant, never half-way through another client's change.
  return pairsToRecord(await mpd.commandList(["status", "currentsong"]));
}

/** Polls MPD until its state satisfies `ready`; fails naming what was awaited and the last state. */
export function untilMpd(mpd: MpdConnection, what: string, ready: (state: MpdState) => boolean, timeoutMs = 15_000): Promise<MpdState> {
  return waitUntil(() => mpdState(mpd), { what: `MPD to show ${what}`, until: ready, timeoutMs });
}

/** Stored playlists "A morning" (tracks 1-2) and "B evening" (3-4); the queue left empty. */
export async function storePlaylists(mpd: MpdConnection): Promise<void> {
  await mpd.commandList([
    "clear",
    mpdCommand("add", "album/3.mp3"),
    mpdCommand("add", "album/4.mp3"),
    mpdCommand("save", "B evening"),
    "clear",
    mpdCommand("add", "album/1.mp3"),
    mpdCommand("add", "album/2.mp3"),
    mpdCommand("save", "A morning"),
    "clear",
  ]);
}

/** The next message's JSON payload after its subject, with the subject. */
export async function nextPayload<T = Record<string, unknown>>(
  subscription: Subscription<BusMessage>,
  timeoutMs = 5000,
): Promise<{ subject: string; payload: T }> {
  const message = await subscription.nextWithin(timeoutMs);
  if (!message) assert.fail(`no message within ${timeoutMs} ms`);
  const { subject, payload } = parseSubject(message);
  return { subject, payload: payload as T };
}

/** Skips messages until one's text matches and returns the text; fails after the timeout. */
export async function nextMatching(
  subscription: Subscription<BusMessage>,
  match: (text: string) => boolean,
  timeoutMs = 5000,
): Promise<string> {
  return (await nextMatchingMessage(subscription, "matching message", (message) => match(message.text), timeoutMs)).text;
}

export interface PlayerTestMpd extends TestMpd {
  /** A connection of the test's own through the music player's client, closed when the file's tests end. */
  connect(options?: MpdConnectionOptions): Promise<MpdConnection>;
}

/** A real mpd for this test file, stopped when the file's tests end. */
export async function testMpd(tracks: readonly TestTrack[] = []): Promise<PlayerTestMpd> {
  const mpd = await startTestMpd({ tracks });
  const connections: MpdConnection[] = [];
  after(async () => {
    for (const connection of connections) connection.close();
    await mpd.close();
  });
  return {
    ...mpd,
    async connect(options) {
      const connection = await MpdConnection.open({ socket: mpd.socket }, options);
      connections.push(connection);
      return connection;
    },
  };
}

/** Sends `CONTROL: music-player STATUS` and returns the answer's payload. */
export async function askStatus<T>(rig: BusRig): Promise<T> {
  const status = rig.client.subscribe("STATUS: music-player");
  try {
    await rig.wanted("STATUS: music-player");
    await rig.wanted("CONTROL: music-player STATUS");
    await rig.client.publish("CONTROL: music-player STATUS");
    return (await nextPayload<T>(status)).payload;
  } finally {
    status.close();
  }
}

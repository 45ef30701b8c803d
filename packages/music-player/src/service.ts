import { subjectMessage, Topic } from "@roomguard/bus";
import type { Logger } from "@roomguard/runtime";
import type { AlarmState } from "./alarm-signals.js";
import type { Interruption } from "./interruption.js";
import { KeyQueue, MAX_WAITING_KEYS, type KeyOutcome } from "./key-queue.js";
import type { MusicAction } from "./keymap.js";
import type { MpdConnection } from "./mpd-connection.js";
import { MpdError, mpdCommand, pairsToRecord } from "./mpd-protocol.js";
import { nowPlaying, type NowPlaying } from "./now-playing.js";
import { NothingToPlayError, perform } from "./player.js";

export interface MusicPlayerOptions {
  keymap: ReadonlyMap<string, MusicAction>;
  interruption: Interruption;
  chimeEnabled: boolean;
  /** Sends a message on the bus. */
  publish: (text: string) => Promise<void>;
  /** Where MPD's music directory is, for the "no songs" hint (the private mpd's; the system MPD is asked). */
  musicDir?: string;
  /**
   * Demo tracks for an empty library (with a private mpd): `write()` puts them in `folder` of
   * MPD's music directory and returns that folder's absolute path. Written at most once per run,
   * when MPD has counted its songs and found none.
   */
  demo?: { folder: string; write(): string };
  /** Told when `status().problem` may have changed (the heartbeat then says it at once). */
  onProblem?: () => void;
  log: Logger;
}

/** What a `CONTROL: music-player` command is answered at once (serveControl adds the asker's id). */
export type CommandAnswer = { accepted: string } | { refused: string; reason: string };

/** Why a command is refused while an alert sound plays: keys are ignored then too. */
const ALERT_REFUSALS = {
  siren: "the siren is playing (the alarm is triggered): the music is left alone until the alarm ends it",
  chime: "the door chime is playing: the music is left alone until it ends (a few seconds)",
} as const;

/** MPD subsystems whose changes can change what `MUSIC:` says. */
const NOW_PLAYING_CHANGES = new Set(["player", "mixer", "playlist", "options"]);

/**
 * The music player's behaviour, fed by main.ts: MPD connections as they come and go, MPD's
 * changes, keys, the alarm's state and its chimes. MPD work runs one task at a time, in the
 * order asked, so a key press never interleaves with the siren's snapshot.
 */
export function createMusicPlayerService(options: MusicPlayerOptions) {
  const { log, interruption } = options;
  let mpd: MpdConnection | undefined;
  let offline: string | undefined = "connecting to MPD";
  let alarm: AlarmState | undefined;
  let playlist: { name: string; queueVersion: string } | undefined;
  let last: NowPlaying | undefined;
  let lastText: string | undefined;
  let songs: number | undefined;
  /** The system MPD's music directory, as it says (only to clients on its local socket). */
  let reportedMusicDir: string | undefined;
  let demoWritten = false;
  let presses = 0;
  let commands = 0;
  let queue: Promise<void> = Promise.resolve();
  const keys = new KeyQueue();
  /** A turn for the waiting keys is in the queue already. */
  let keysTurnQueued = false;

  /** Does MPD work now; failures are logged, never thrown. */
  const attempt = async (what: string, task: (mpd: MpdConnection) => Promise<void>): Promise<void> => {
    if (!mpd) return;
    try {
      await task(mpd);
    } catch (error) {
      if (error instanceof NothingToPlayError) log.once("warn", `nothing:${error.message}`, `cannot ${what}: ${error.message}`);
      else if (error instanceof MpdError && error.code === "ECLOSED")
        log.debug(`${what}: the connection to MPD ended`, { error: error.message });
      else log.warn(`cannot ${what}`, { error: error instanceof Error ? error.message : error });
    }
  };

  /** Runs MPD work after what is already queued. */
  const run = (what: string, task: (mpd: MpdConnection) => Promise<void>): Promise<void> => {
    queue = queue.then(() => attempt(what, task));
    return queue;
  };

  /**
   * Queues one turn for the keys waiting: the first is taken only when the turn comes, so keys
   * that come meanwhile can merge, and MPD has one key's work at a time however fast keys come.
   */
  const takeKeyTurn = (): void => {
    if (keysTurnQueued) return;
    keysTurnQueued = true;
    queue = queue.then(async () => {
      keysTurnQueued = false;
      const key = keys.take();
      if (!key) return;
      if (interruption.active) {
        log.debug("ignoring keys that waited while an alert sound began", { keys: 1 + keys.clear(), alert: interruption.active });
        return;
      }
      await attempt(`${key.action.kind} (${key.name})`, async (mpd) => {
        const done = await perform(mpd, key.action);
        if (done.playlist !== undefined) await rememberQueue(mpd, done.playlist);
      });
      if (keys.size > 0) takeKeyTurn();
    });
  };

  /** Puts a key's or a command's action in line for MPD (merged or dropped when too much waits). */
  const wait = (name: string, action: MusicAction): KeyOutcome => {
    const outcome = keys.add({ name, action });
    if (outcome !== "waiting") {
      log.once(
        "warn",
        "keys:behind",
        `keys come faster than MPD takes them: a repeat of the key waiting is merged into it, and past ${MAX_WAITING_KEYS} waiting new keys are dropped (said once; counts in the status)`,
        { key: name },
      );
    }
    takeKeyTurn();
    return outcome;
  };

  const send = (text: string): void => {
    lastText = text;
    options.publish(text).catch((error: unknown) => log.warn("cannot publish", { error }));
  };

  const publishNow = async (mpd: MpdConnection): Promise<void> => {
    // One command list: the status and the song of the same instant.
    const state = pairsToRecord(await mpd.commandList(["status", "currentsong"]));
    if (playlist && state.playlist !== playlist.queueVersion && !interruption.active) playlist = undefined;
    last = nowPlaying(state, playlist?.name ?? null);
    const payload = interruption.active ? { ...last, alert: interruption.active } : last;
    const text = subjectMessage(Topic.MUSIC, last.state, payload);
    if (text !== lastText) send(text);
  };

  const musicDir = (): string | undefined => options.musicDir ?? reportedMusicDir;

  const checkLibrary = async (mpd: MpdConnection): Promise<void> => {
    const status = pairsToRecord(await mpd.command("status"));
    if (status.updating_db !== undefined) return; // counted again when the update ends
    const count = Number(pairsToRecord(await mpd.command("stats")).songs ?? 0);
    if (count === 0 && options.demo && !demoWritten && (await writeDemo(mpd, options.demo))) return; // counted when MPD has read them
    if (count === 0 && options.musicDir === undefined && reportedMusicDir === undefined) {
      reportedMusicDir = await mpd.command("config").then(
        (pairs) => pairsToRecord(pairs).music_directory,
        () => undefined, // not on MPD's local socket: it does not say
      );
    }
    if (count !== songs) {
      songs = count;
      options.onProblem?.();
    }
    if (songs === 0) log.once("warn", "library:empty", emptyLibraryHint(musicDir()));
    else if (options.demo && !demoWritten) await noteDemoOnly(mpd, options.demo.folder); // just made: said already
  };

  /** Something to play for a newcomer: demo tracks, and MPD asked to read them. False when they cannot be written. */
  const writeDemo = async (mpd: MpdConnection, demo: NonNullable<MusicPlayerOptions["demo"]>): Promise<boolean> => {
    demoWritten = true;
    let where: string;
    try {
      where = demo.write();
    } catch (error) {
      log.warn("cannot write the demo tracks", { error: error instanceof Error ? error.message : error });
      return false;
    }
    log.info(
      `MPD's music directory has no music: made demo tracks to play, in ${where}. Put your own music files in ${options.musicDir ?? "MPD's music directory"}; delete ${where} to take the demo tracks out`,
      { folder: where },
    );
    await mpd.command(mpdCommand("update", demo.folder));
    return true;
  };

  /** At each start, while the demo tracks are all there is: say again where one's own music goes. */
  const noteDemoOnly = async (mpd: MpdConnection, folder: string): Promise<void> => {
    const top = (await mpd.command("lsinfo")).filter(([key]) => key === "directory" || key === "file");
    if (top.length === 1 && top[0]?.[0] === "directory" && top[0][1] === folder) {
      log.once(
        "info",
        "library:demo",
        `MPD's library has only roomguard's demo tracks: put your own music files in ${options.musicDir ?? "MPD's music directory"}`,
      );
    }
  };

  /** After our own queue changes (a loaded playlist), the queue is that playlist. */
  const rememberQueue = async (mpd: MpdConnection, name: string | undefined): Promise<void> => {
    if (name === undefined) return;
    playlist = { name, queueVersion: pairsToRecord(await mpd.command("status")).playlist ?? "" };
  };

  /** An alert sound comes and goes through the queue: once it is gone, the queue is still the playlist it was. */
  const keepingPlaylist =
    (task: (mpd: MpdConnection) => Promise<void>) =>
    async (mpd: MpdConnection): Promise<void> => {
      const name = playlist?.name;
      await task(mpd);
      if (!interruption.active) await rememberQueue(mpd, name);
    };

  return {
    connected(connection: MpdConnection): void {
      mpd = connection;
      offline = undefined;
      lastText = undefined;
      void run("start", async (mpd) => {
        await checkLibrary(mpd);
        await keepingPlaylist((mpd) => interruption.afterReconnect(mpd))(mpd);
        await publishNow(mpd);
      });
    },

    lost(error: MpdError): void {
      mpd = undefined;
      keys.clear(); // pressed for a moment that has passed
      offline = error.message;
      send(subjectMessage(Topic.MUSIC, "offline", { error: error.message }));
    },

    /** The link could not (re)connect: say so once per reason. */
    unreachable(error: string): void {
      if (offline === error && lastText !== undefined) return;
      offline = error;
      send(subjectMessage(Topic.MUSIC, "offline", { error }));
    },

    changed(subsystems: readonly string[]): void {
      if (subsystems.includes("player") && interruption.active) {
        void run(
          "follow the alert sound",
          keepingPlaylist((mpd) => interruption.onPlayerChange(mpd)),
        );
      }
      if (subsystems.includes("database") || subsystems.includes("update")) void run("count the songs", checkLibrary);
      if (subsystems.some((name) => NOW_PLAYING_CHANGES.has(name))) void run("read what is playing", publishNow);
    },

    key(name: string, hold: boolean): void {
      const action = options.keymap.get(name);
      if (!action || hold) {
        log.once("debug", `key:${name}:${hold}`, "ignoring a key the keymap does not map", { key: name, hold });
        return;
      }
      if (!mpd) {
        log.once("warn", "key:offline", "MPD is not connected: keys do nothing until it is", { reason: offline });
        return;
      }
      if (interruption.active) {
        log.debug("ignoring a key while an alert sound plays", { key: name, alert: interruption.active });
        return;
      }
      presses += 1;
      wait(`KEY: ${name}`, action);
    },

    /**
     * A `CONTROL: music-player <command>`: the same action a key does, in the same queue, refused
     * where a key would be ignored (no MPD, an alert sound playing, too much waiting). Answers at
     * once what became of it: taken in order, not yet done by MPD.
     */
    command(name: string, action: MusicAction): CommandAnswer {
      if (!mpd) return { refused: name, reason: `MPD is not connected (${offline ?? "no connection"}): commands do nothing until it is` };
      if (interruption.active) return { refused: name, reason: ALERT_REFUSALS[interruption.active] };
      commands += 1;
      const outcome = wait(`CONTROL: ${name}`, action);
      if (outcome === "dropped")
        return { refused: name, reason: `${MAX_WAITING_KEYS} keys and commands are waiting for MPD already: this one is dropped` };
      return { accepted: name };
    },

    alarm(state: AlarmState): void {
      alarm = state;
      if (state === "triggered") void run("play the siren", (mpd) => interruption.start(mpd, "siren"));
      else if (interruption.active === "siren")
        void run(
          "end the siren",
          keepingPlaylist((mpd) => interruption.restore(mpd)),
        );
    },

    /** `ALARM: chime {"zone":…}`: the alarm says a chime zone opened while disarmed. */
    chime(zone: string): void {
      if (!options.chimeEnabled) {
        log.once("debug", "chime:off", "not playing the door chime: music.chime.enabled is false", { zone });
        return;
      }
      void run(
        "play the door chime",
        keepingPlaylist((mpd) => interruption.start(mpd, "chime")),
      );
    },

    /** `CONTROL: music-player STATE`: say what is playing again. */
    republish(): void {
      if (!mpd) send(subjectMessage(Topic.MUSIC, "offline", { error: offline ?? "MPD is not connected" }));
      else {
        lastText = undefined;
        void run("read what is playing", publishNow);
      }
    },

    /** Waits for the MPD work queued so far (tests, stop). */
    settled: (): Promise<void> => queue,

    status(): Record<string, unknown> {
      return {
        now_playing: last ?? null,
        ...(offline === undefined ? {} : { offline }),
        alarm: alarm ?? "unknown",
        alert: interruption.active ?? null,
        presses,
        commands,
        keys_merged: keys.counts.merged,
        keys_dropped: keys.counts.dropped,
        ...(songs === undefined ? {} : { songs }),
        ...(songs === 0 ? { problem: emptyLibraryHint(musicDir()) } : {}),
      };
    },
  };
}

function emptyLibraryHint(musicDir: string | undefined): string {
  return `MPD's music directory${musicDir ? ` (${musicDir})` : ""} has no songs: put music files there`;
}

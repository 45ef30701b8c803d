import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { waitUntil } from "@roomguard/runtime/testing";
import { freePort } from "./free-port.js";
import { TestMpdClient } from "./mpd-client.js";

export interface TestTrack {
  /** Path in the music directory, e.g. `jazz/one.mp3`. */
  file: string;
  title?: string;
  artist?: string;
  seconds?: number;
}

/** Makes MP3 tracks (sine tones with ID3 tags) with sox and lame. */
export function makeTracks(musicDir: string, tracks: readonly TestTrack[]): void {
  tracks.forEach((track, index) => {
    const target = path.join(musicDir, track.file);
    mkdirSync(path.dirname(target), { recursive: true });
    const tags = [...(track.title ? ["--tt", track.title] : []), ...(track.artist ? ["--ta", track.artist] : [])];
    // The file name travels as an argument, never through the shell's parsing.
    const script = `sox -V1 -n -r 22050 -c 1 -t wav - synth ${track.seconds ?? 30} sine ${300 + 40 * index} vol 0.3 | lame --quiet -m m -b 32 "\${@:2}" - "$1"`;
    const made = spawnSync("bash", ["-c", script, "make-track", target, ...tags], { encoding: "utf8" });
    if (made.status !== 0) throw new Error(`cannot make ${target} (are sox and lame installed?): ${made.stderr}`);
  });
}

export interface TestMpd {
  port: number;
  /** Its local socket (file:// playback is allowed there). */
  socket: string;
  musicDir: string;
  stateDir: string;
  pid(): number | undefined;
  /** Sends a signal; SIGKILL/SIGTERM end it (the state file keeps the queue on SIGTERM). */
  signal(signal: NodeJS.Signals): void;
  stop(): Promise<void>;
  /** Starts it again on the same port, socket and state. */
  start(): Promise<void>;
  /** Stops mpd: call it when done (a test's `after`). */
  close(): Promise<void>;
}

/**
 * A real mpd with a null output (it plays in real time, silently) on a free port and a local
 * socket, its music directory filled with `tracks` and its database ready. The caller
 * closes it.
 */
export async function startTestMpd(options: { tracks?: readonly TestTrack[]; binary?: string } = {}): Promise<TestMpd> {
  const dir = mkdtempSync(path.join(tmpdir(), "roomguard-mpd-"));
  const musicDir = path.join(dir, "music");
  const stateDir = path.join(dir, "state");
  mkdirSync(path.join(stateDir, "playlists"), { recursive: true });
  mkdirSync(musicDir, { recursive: true });
  makeTracks(musicDir, options.tracks ?? []);
  const port = await freePort();
  const configFile = path.join(stateDir, "mpd.conf");
  const socket = path.join(stateDir, "socket");
  writeFileSync(configFile, testMpdConfig({ musicDir, stateDir, socket, port }));
  let child: ChildProcess | undefined;

  const stop = async (): Promise<void> => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    await new Promise((resolve) => {
      running.once("exit", resolve);
      running.kill("SIGTERM");
    });
  };
  const start = async (): Promise<void> => {
    const started = spawn(options.binary ?? "mpd", ["--no-daemon", "--stderr", configFile], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    started.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    let failed: string | undefined;
    started.once("error", (error) => (failed = error.message));
    started.once("exit", (code, signal) => (failed = `it exited (${signal ?? `code ${code}`})`));
    child = started;
    const tracks = options.tracks?.length ?? 0;
    let answer: Record<string, string> | { failed: string };
    try {
      answer = await waitUntil(
        async () => {
          if (failed !== undefined) return { failed };
          const probe = await TestMpdClient.open({ socket });
          try {
            return await probe.commandList(["status", "stats"]);
          } finally {
            probe.close();
          }
        },
        {
          what: `mpd to answer on ${socket} with ${tracks} songs`,
          timeoutMs: 10_000,
          intervalMs: 25,
          // Every track is in once the first database update is over.
          until: (answer) => "failed" in answer || (answer.updating_db === undefined && Number(answer.songs) >= tracks),
        },
      );
    } catch (error) {
      throw new Error(`${(error as Error).message}; it said: ${stderr}`, { cause: error });
    }
    if ("failed" in answer) throw new Error(`mpd did not start: ${answer.failed}; it said: ${stderr}`);
  };
  await start();
  return {
    port,
    socket,
    musicDir,
    stateDir,
    pid: () => child?.pid,
    signal(signal) {
      child?.kill(signal);
    },
    stop,
    start,
    close: stop,
  };
}

/** A system MPD's shape (TCP and a local socket, a database), its files under stateDir, silent in real time. */
function testMpdConfig(paths: { musicDir: string; stateDir: string; socket: string; port: number }): string {
  const state = (name: string): string => JSON.stringify(path.join(paths.stateDir, name));
  return [
    `music_directory ${JSON.stringify(paths.musicDir)}`,
    `playlist_directory ${state("playlists")}`,
    `db_file ${state("database")}`,
    `state_file ${state("state")}`,
    'bind_to_address "127.0.0.1"',
    `port "${paths.port}"`,
    `bind_to_address ${JSON.stringify(paths.socket)}`,
    'auto_update "yes"',
    'zeroconf_enabled "no"',
    // A software mixer, so that volume commands work without a sound card.
    'audio_output {\n  type "null"\n  name "test (silent)"\n  mixer_type "software"\n}',
    "",
  ].join("\n");
}

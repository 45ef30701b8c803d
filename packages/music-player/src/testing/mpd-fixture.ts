import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { MpdConnection, type MpdConnectionOptions } from "../mpd-connection.js";
import { pairsToRecord } from "../mpd-protocol.js";
import { privateMpdConfig, privateMpdSocket } from "../private-mpd.js";

/** A free TCP port on 127.0.0.1, as the kernel hands them out. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

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
  /** A connection of the test's own, closed with the fixture. */
  connect(options?: MpdConnectionOptions): Promise<MpdConnection>;
  /** Sends a signal; SIGKILL/SIGTERM end it (the state file keeps the queue on SIGTERM). */
  signal(signal: NodeJS.Signals): void;
  stop(): Promise<void>;
  /** Starts it again on the same port, socket and state. */
  start(): Promise<void>;
  /** Closes the test's connections and stops mpd: call it when done (a test's `after`). */
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
  writeFileSync(configFile, privateMpdConfig({ musicDir, stateDir, host: "127.0.0.1", port, output: "null", alsaDevice: "" }));
  const socket = privateMpdSocket(stateDir);
  let child: ChildProcess | undefined;
  const connections: MpdConnection[] = [];

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
    child = started;
    const until = Date.now() + 10_000;
    for (;;) {
      if (started.exitCode !== null) throw new Error(`mpd exited at start: ${stderr}`);
      try {
        const probe = await MpdConnection.open({ socket });
        const status = pairsToRecord(await probe.command("status"));
        const songs = Number(pairsToRecord(await probe.command("stats")).songs);
        probe.close();
        if (status.updating_db === undefined && songs >= (options.tracks?.length ?? 0)) return; // every track is in
      } catch {
        if (Date.now() > until) throw new Error(`mpd did not answer on ${socket} within 10 s: ${stderr}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  };
  await start();
  return {
    port,
    socket,
    musicDir,
    stateDir,
    pid: () => child?.pid,
    async connect(connectOptions) {
      const connection = await MpdConnection.open({ socket }, connectOptions);
      connections.push(connection);
      return connection;
    },
    signal(signal) {
      child?.kill(signal);
    },
    stop,
    start,
    async close() {
      for (const connection of connections) connection.close();
      await stop();
    },
  };
}

import { spawn } from "node:child_process";
import { closeSync, mkdirSync, openSync, renameSync } from "node:fs";
import path from "node:path";
import { isAlive } from "@roomguard/runtime";
import type { ProcessPort } from "./supervisor.js";

// Read from /proc by the runtime; named here too, where main.ts and the status code look for them.
export { isAlive, memoryOf, type ProcessMemory } from "@roomguard/runtime";

export interface ProcessPortOptions {
  /** Each service's compiled main.js. */
  mainOf: (service: string) => string;
  /** Arguments for every service (`--config FILE`). */
  args: readonly string[];
  /** Where `<service>.log` goes; the previous run's becomes `<service>.log.1`. */
  logDir: string;
  /** A child of this launcher exited. */
  onExit: (pid: number, code: number | null, signal: NodeJS.Signals | null) => void;
  /** Publishes `CONTROL: <service> STOP`. */
  askToStop: (service: string) => void;
}

/** The log file a service writes to. */
export const logFileOf = (logDir: string, service: string): string => path.join(logDir, `${service}.log`);

/**
 * Real processes for the supervisor. Each service runs in a session and process group of its
 * own and writes to a file, not to a pipe of ours: when the launcher dies, nothing of it is
 * left for them to write into or be signalled through, so they keep running.
 */
export function createProcessPort(options: ProcessPortOptions): ProcessPort {
  mkdirSync(options.logDir, { recursive: true });
  return {
    start(service) {
      const file = logFileOf(options.logDir, service);
      rotate(file);
      const output = openSync(file, "a");
      try {
        const child = spawn(process.execPath, [options.mainOf(service), ...options.args], {
          cwd: options.logDir,
          detached: true,
          stdio: ["ignore", output, output],
        });
        if (child.pid === undefined) throw new Error(`cannot start ${service}: no process was created`);
        const pid = child.pid;
        child.on("exit", (code, signal) => options.onExit(pid, code, signal));
        child.unref();
        return pid;
      } finally {
        closeSync(output);
      }
    },
    isAlive,
    kill: signalGroup,
    askToStop(service, pid) {
      // The router takes STOP from the bus only with router.acceptDeath; it is ours to signal.
      if (service === "router") signalGroup(pid, "SIGTERM");
      else options.askToStop(service);
    },
  };
}

/** Signals a service's whole process group: a private mpd goes with its music player. */
function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

function rotate(file: string): void {
  try {
    renameSync(file, `${file}.1`);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
}

import { spawn } from "node:child_process";
import { closeSync, mkdirSync, openSync, renameSync } from "node:fs";
import path from "node:path";
import {
  identityOf,
  isSameProcess,
  processState,
  readStat,
  statIfSameProcess,
  type ProcessIdentity,
  type ProcStat,
} from "@roomguard/runtime";
import { runsProgram } from "./proven-process.js";
import type { ProcessPort, ProcessState } from "./supervisor.js";

export interface ProcessPortOptions {
  /** Each service's compiled main.js. */
  mainOf: (service: string) => string;
  /** Arguments for every service (`--config FILE`). */
  args: readonly string[];
  /** Where `<service>.log` goes; the previous run's becomes `<service>.log.1`. */
  logDir: string;
  /** A child of this launcher exited. */
  onExit: (pid: number, code: number | null, signal: NodeJS.Signals | null) => void;
}

/** The supervisor's processes, plus the identities the pid file records. */
export interface RealProcesses extends ProcessPort {
  /** The identity recorded when the process was started or proven (for the pid file), if it still is that process. */
  identityOf(pid: number): ProcessIdentity | undefined;
}

/** The log file a service writes to. */
export const logFileOf = (logDir: string, service: string): string => path.join(logDir, `${service}.log`);

/**
 * Real processes for the supervisor. Each service runs in a session and process group of its
 * own and writes to a file, not to a pipe of ours: when the launcher dies, nothing of it is
 * left for them to write into or be signalled through, so they keep running.
 *
 * Only processes it started or proved (`claim`) are ever signalled, each after checking that its
 * pid still is that process (same start time and command line): a pid from a message, a stale
 * file or a reused number is never signalled, and neither is pid 1 or the launcher's own group.
 */
export function createProcessPort(options: ProcessPortOptions): RealProcesses {
  mkdirSync(options.logDir, { recursive: true });
  // Only what spawn gave (a child's pid) and claim proved (never pid <= 1): pid 1 is never in it.
  const known = new Map<number, ProcessIdentity>();
  const ownGroup = readStat(process.pid)?.processGroup;

  /** The process, if it is one we started or proved and its pid still names it, with the stat that showed it. */
  const current = (pid: number): { identity: ProcessIdentity; stat: ProcStat } | undefined => {
    const identity = known.get(pid);
    if (identity === undefined) return undefined;
    const stat = statIfSameProcess(identity);
    if (stat !== null) return { identity, stat };
    known.delete(pid); // ended, or the pid now belongs to another process
    return undefined;
  };
  const signal = (pid: number, signal: NodeJS.Signals, wholeGroup: boolean): void => {
    const found = current(pid);
    if (found === undefined) return;
    // A group only when the process leads it and it is not ours (a service started by hand may share its shell's).
    const group = wholeGroup && found.stat.processGroup === pid && pid !== ownGroup;
    try {
      process.kill(group ? -pid : pid, signal);
    } catch {
      // ended meanwhile
    }
  };

  return {
    start(service) {
      const file = logFileOf(options.logDir, service);
      rotate(file);
      const output = openSync(file, "a", 0o640); // the group reads the logs, nobody writes them but the launcher
      try {
        const child = spawn(process.execPath, [options.mainOf(service), ...options.args], {
          cwd: options.logDir,
          detached: true,
          stdio: ["ignore", output, output],
        });
        if (child.pid === undefined) throw new Error(`cannot start ${service}: no process was created`);
        const pid = child.pid;
        // spawn returns once the program is exec'd: this is the service's own command line.
        const identity = identityOf(pid);
        if (identity !== null) known.set(pid, identity);
        child.on("exit", (code, signal) => {
          known.delete(pid);
          options.onExit(pid, code, signal);
        });
        child.unref();
        return pid;
      } finally {
        closeSync(output);
      }
    },
    claim(service, pid, recorded) {
      if (pid <= 1 || pid === process.pid) return false;
      const identity = recorded === undefined ? identityOf(pid) : isSameProcess(recorded) ? recorded : null;
      // The command line just read (and, with `recorded`, found unchanged) is the one to check.
      if (identity === null || identity.pid !== pid || !runsProgram(pid, options.mainOf(service), identity.commandLine)) return false;
      known.set(pid, identity);
      return true;
    },
    stateOf(pid): ProcessState {
      const found = current(pid);
      return found === undefined ? "gone" : processState(found.stat);
    },
    terminate: (pid) => signal(pid, "SIGTERM", false),
    kill: (pid) => signal(pid, "SIGKILL", true),
    identityOf: (pid) => current(pid)?.identity,
  };
}

function rotate(file: string): void {
  try {
    renameSync(file, `${file}.1`);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
}

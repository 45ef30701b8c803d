import { spawn } from "node:child_process";
import { closeSync, mkdirSync, openSync, readFileSync, renameSync } from "node:fs";
import path from "node:path";
import type { ProcessPort } from "./supervisor.js";

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

/** True while the process exists and has not ended (a zombie has). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return true; // no /proc (not Linux): kill 0 said it exists
  }
}

function rotate(file: string): void {
  try {
    renameSync(file, `${file}.1`);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
}

/** What a process costs in memory, from /proc. */
export interface ProcessMemory {
  /**
   * Proportional set size in bytes: its private pages plus its share of the pages it shares
   * (the node binary and libraries, split between every process mapping them) — what the
   * process really costs; the PSS of all processes adds up to the memory in use. From
   * /proc/<pid>/smaps_rollup; null when that cannot be read (`pssProblem` says why).
   */
  pssBytes: number | null;
  /**
   * The anonymous part of the PSS (heap, stacks: what only swap could free), in bytes; null when
   * the kernel does not say (Pss_Anon is there since Linux 5.8) or smaps_rollup is unreadable.
   * The rest is mostly program and library files, which the kernel can drop and read again.
   */
  pssAnonBytes: number | null;
  /** Resident set size in bytes: every page mapped, shared ones counted in full in each process. Null when unreadable. */
  rssBytes: number | null;
  /** Why `pssBytes` is null, e.g. "permission denied (another user's process)". */
  pssProblem?: string;
}

/**
 * A process's PSS and RSS, or null when there is no such process. Reading another user's
 * smaps_rollup needs the right to trace it (root, or the same user), and the file exists
 * since Linux 4.14; without it PSS is null and RSS comes from /proc/<pid>/status.
 */
export function memoryOf(pid: number): ProcessMemory | null {
  try {
    const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
    const kb = (field: string): number | null => {
      const value = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(rollup)?.[1];
      return value === undefined ? null : Number(value) * 1024;
    };
    const memory = { pssBytes: kb("Pss"), pssAnonBytes: kb("Pss_Anon"), rssBytes: kb("Rss") };
    return memory.pssBytes === null ? { ...memory, pssProblem: "no Pss line in smaps_rollup" } : memory;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    let status: string;
    try {
      status = readFileSync(`/proc/${pid}/status`, "utf8");
    } catch {
      return null; // no such process (or no /proc)
    }
    const kb = /VmRSS:\s+(\d+)/.exec(status)?.[1];
    const pssProblem =
      code === "EACCES" || code === "EPERM"
        ? "permission denied for /proc/<pid>/smaps_rollup (another user's process)"
        : code === "ENOENT"
          ? "no /proc/<pid>/smaps_rollup (Linux before 4.14)"
          : `cannot read /proc/<pid>/smaps_rollup (${code ?? String(error)})`;
    return { pssBytes: null, pssAnonBytes: null, rssBytes: kb === undefined ? null : Number(kb) * 1024, pssProblem };
  }
}

import { readdirSync, readFileSync } from "node:fs";

// Linux's /proc, read in one place: the launcher (liveness, adoption, memory in status), the
// music player (a stale private mpd), and the tests and benchmarks that watch processes.

/**
 * Clock ticks per second in /proc's CPU and start times (USER_HZ). The kernel fixes it at 100
 * for user space on every architecture roomguard runs on (x86-64, arm64, armv7).
 */
const TICKS_PER_SECOND = 100;

/** What /proc/<pid>/stat says about a process (or one of its threads). */
export interface ProcStat {
  /** The program's name as the kernel keeps it (at most 15 bytes), without the parentheses. */
  name: string;
  /** One letter: R running, S sleeping, D disk wait, Z zombie (ended, not yet reaped), T stopped… */
  state: string;
  /** Its process group (field 5): a process started in a group of its own leads it (the group's id is its pid). */
  processGroup: number;
  /** CPU time spent in user mode, ms. */
  userMs: number;
  /** CPU time spent in the kernel on its behalf, ms. */
  systemMs: number;
  /**
   * When it started, in clock ticks since boot (field 22). With the command line it tells a
   * process from a later one that was given the same pid.
   */
  startTicks: number;
}

/**
 * A process's (or with `thread`, one of its threads') /proc stat, or null when there is no such
 * process (or no /proc). The name may hold spaces and parentheses, so the fields are read after
 * the last `)`.
 */
export function readStat(pid: number, thread?: number): ProcStat | null {
  let text: string;
  try {
    text = readFileSync(thread === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${thread}/stat`, "utf8");
  } catch {
    return null;
  }
  const close = text.lastIndexOf(")");
  // After the name: field 3 (state) is at index 0, so field n is at index n - 3.
  const fields = text.slice(close + 2).split(" ");
  const field = (n: number): number => Number(fields[n - 3]);
  const msOf = (ticks: number): number => (ticks * 1000) / TICKS_PER_SECOND;
  return {
    name: text.slice(text.indexOf("(") + 1, close),
    state: fields[0] ?? "",
    processGroup: field(5),
    userMs: msOf(field(14)),
    systemMs: msOf(field(15)),
    startTicks: field(22),
  };
}

/** The thread ids of a process (the main thread's is the pid); empty when there is no such process. */
export function threadsOf(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).map(Number);
  } catch {
    return [];
  }
}

/**
 * A process's command line as its argv (`["node", "/opt/…/main.js", "--config", …]`), or null
 * when there is no such process or it may not be read. A zombie's is empty.
 */
export function readCommandLine(pid: number): string[] | null {
  try {
    const text = readFileSync(`/proc/${pid}/cmdline`, "utf8");
    return text === "" ? [] : text.replace(/\0$/, "").split("\0");
  } catch {
    return null;
  }
}

/**
 * What a process's stat says it is doing: `gone` when it has ended (a zombie, Z), `stopped` when
 * SIGSTOPped or held by a tracer (T, t: alive, but it runs nothing), else `running`.
 */
export function processState(stat: ProcStat): "running" | "stopped" | "gone" {
  return stat.state === "Z" ? "gone" : stat.state === "T" || stat.state === "t" ? "stopped" : "running";
}

/** True while the process exists and has not ended (a zombie has). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
  const stat = readStat(pid);
  return stat === null ? true /* no /proc (not Linux): kill 0 said it exists */ : processState(stat) !== "gone";
}

/**
 * What tells one process from another that later got the same pid: when it started and what it
 * runs. Pids are reused (after a reboot, or after enough processes), so a pid read from a file
 * or a message is only the process one started while both of these match.
 */
export interface ProcessIdentity {
  pid: number;
  startTicks: number;
  commandLine: string[];
}

/**
 * Whether `value` (read from a file, say) is a {@link ProcessIdentity}: an integer pid above 1, an
 * integer start time and a command line of strings. Anything else (a bare pid, a torn value) is none.
 */
export function isProcessIdentity(value: unknown): value is ProcessIdentity {
  if (typeof value !== "object" || value === null) return false;
  const { pid, startTicks, commandLine } = value as Record<string, unknown>;
  return (
    Number.isInteger(pid) &&
    (pid as number) > 1 &&
    Number.isInteger(startTicks) &&
    Array.isArray(commandLine) &&
    commandLine.every((arg) => typeof arg === "string")
  );
}

/**
 * The identity of a running process, or null when there is none (or it has ended). `stat` is its
 * stat when the caller has just read it (read here otherwise); the command line is read here.
 */
export function identityOf(pid: number, stat: ProcStat | null = readStat(pid)): ProcessIdentity | null {
  if (stat === null || processState(stat) === "gone") return null;
  const commandLine = readCommandLine(pid);
  if (commandLine === null) return null;
  return { pid, startTicks: stat.startTicks, commandLine };
}

/**
 * The stat of `identity.pid` while it still is that process (the same start time and command
 * line), else null: one read of /proc for both the check and what the caller wants to know next
 * (its state, its process group).
 */
export function statIfSameProcess(identity: ProcessIdentity): ProcStat | null {
  const stat = readStat(identity.pid);
  const now = identityOf(identity.pid, stat);
  const same =
    now !== null &&
    now.startTicks === identity.startTicks &&
    now.commandLine.length === identity.commandLine.length &&
    now.commandLine.every((arg, i) => arg === identity.commandLine[i]);
  return same ? stat : null;
}

/** Whether `identity.pid` is still that process: the same start time and command line. */
export function isSameProcess(identity: ProcessIdentity): boolean {
  return statIfSameProcess(identity) !== null;
}

/**
 * The pids of the processes whose command line contains `text` (in any argument, or across
 * them), this one included if it matches. Zombies have no command line, so they never match.
 */
export function findProcesses(text: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    if (readCommandLine(Number(entry))?.join("\0").includes(text)) found.push(Number(entry));
  }
  return found;
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
    const memory = { pssBytes: kbLine(rollup, "Pss"), pssAnonBytes: kbLine(rollup, "Pss_Anon"), rssBytes: kbLine(rollup, "Rss") };
    return memory.pssBytes === null ? { ...memory, pssProblem: "no Pss line in smaps_rollup" } : memory;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    let status: string;
    try {
      status = readFileSync(`/proc/${pid}/status`, "utf8");
    } catch {
      return null; // no such process (or no /proc)
    }
    const pssProblem =
      code === "EACCES" || code === "EPERM"
        ? "permission denied for /proc/<pid>/smaps_rollup (another user's process)"
        : code === "ENOENT"
          ? "no /proc/<pid>/smaps_rollup (Linux before 4.14)"
          : `cannot read /proc/<pid>/smaps_rollup (${code ?? String(error)})`;
    return { pssBytes: null, pssAnonBytes: null, rssBytes: kbLine(status, "VmRSS"), pssProblem };
  }
}

/**
 * One memory figure of /proc/<pid>/status in bytes, such as `VmRSS` (resident now) or `VmHWM`
 * (the most it was ever resident); null when there is no such process or line.
 */
export function statusBytes(pid: number, field: "VmRSS" | "VmHWM" | "VmSize" | "VmPeak"): number | null {
  try {
    return kbLine(readFileSync(`/proc/${pid}/status`, "utf8"), field);
  } catch {
    return null;
  }
}

/** The kernel's estimate of the memory available for new work without swapping (MemAvailable), in bytes. Throws without it. */
export function memAvailableBytes(): number {
  const bytes = kbLine(readFileSync("/proc/meminfo", "utf8"), "MemAvailable");
  if (bytes === null) throw new Error("no MemAvailable in /proc/meminfo (Linux before 3.14)");
  return bytes;
}

/** A `Name:   1234 kB` line of a /proc file, in bytes; null when there is none. */
function kbLine(text: string, name: string): number | null {
  const kb = new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(text)?.[1];
  return kb === undefined ? null : Number(kb) * 1024;
}

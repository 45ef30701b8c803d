import { identityOf, readStat, type ProcessIdentity } from "@roomguard/runtime";
import { runsProgram } from "./proven-process.js";

/**
 * The launcher behind a `HEARTBEAT: launcher {"pid":…}`, when /proc proves there is one: a
 * running process of this user that runs the launcher's program (`main`), not this one. A
 * forged heartbeat naming any other pid proves nothing, and so cannot keep a launcher from starting.
 */
export function provenLauncher(pid: number, main: string): ProcessIdentity | null {
  if (!runsProgram(pid, main)) return null;
  const state = readStat(pid)?.state;
  if (state === undefined || state === "Z" || state === "T" || state === "t") return null; // ended or stopped: it runs nothing
  return identityOf(pid);
}

/**
 * Whether `a` started before `b`. Of two launchers on one bus the older keeps the appliance and
 * the younger leaves: both reach the same answer from /proc, so exactly one goes.
 */
export function startedBefore(a: ProcessIdentity, b: ProcessIdentity): boolean {
  return a.startTicks < b.startTicks || (a.startTicks === b.startTicks && a.pid < b.pid);
}

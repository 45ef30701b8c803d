import { identityOf, processState, readStat, type ProcessIdentity } from "@roomguard/runtime";
import { runsProgram } from "./proven-process.js";

/**
 * The launcher behind a `HEARTBEAT: launcher {"pid":…}`, when /proc proves there is one: a
 * running process of this user that runs the launcher's program (`main`), not this one. A
 * forged heartbeat naming any other pid proves nothing, and so cannot keep a launcher from starting.
 */
export function provenLauncher(pid: number, main: string): ProcessIdentity | null {
  const stat = readStat(pid);
  if (stat === null || processState(stat) !== "running") return null; // ended or stopped: it runs nothing
  const identity = identityOf(pid, stat);
  return identity !== null && runsProgram(pid, main, identity.commandLine) ? identity : null;
}

/**
 * Whether `a` started before `b`. Of two launchers on one bus the older keeps the appliance and
 * the younger leaves: both reach the same answer from /proc, so exactly one goes.
 */
export function startedBefore(a: ProcessIdentity, b: ProcessIdentity): boolean {
  return a.startTicks < b.startTicks || (a.startTicks === b.startTicks && a.pid < b.pid);
}

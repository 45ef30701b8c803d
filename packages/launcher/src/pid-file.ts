import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { readCommandLine } from "@roomguard/runtime";

/**
 * The pids of the services a launcher started, kept on disk so that a launcher started after
 * one that died adopts them at once — also one that had not sent its first heartbeat yet.
 */
export function readPidFile(file: string): Map<string, number> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"));
  } catch {
    return new Map(); // none yet, or torn: heartbeats still find the services
  }
  const pids = new Map<string, number>();
  if (typeof parsed !== "object" || parsed === null) return pids;
  for (const [service, pid] of Object.entries(parsed)) if (Number.isInteger(pid) && (pid as number) > 0) pids.set(service, pid as number);
  return pids;
}

export function writePidFile(file: string, pids: ReadonlyMap<string, number>): void {
  // Written aside and renamed: a launcher killed mid-write leaves the old file, never half of one.
  writeFileSync(`${file}.tmp`, JSON.stringify(Object.fromEntries(pids)) + "\n");
  renameSync(`${file}.tmp`, file);
}

/** Whether `pid` is still the program that was started (after a reboot the number may be anyone's). */
export function isRunning(pid: number, main: string): boolean {
  return readCommandLine(pid)?.includes(main) ?? false;
}

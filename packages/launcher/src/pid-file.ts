import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { isProcessIdentity, type ProcessIdentity } from "@roomguard/runtime";

/**
 * The services a launcher started (or proved and adopted), kept on disk so that a launcher
 * started after one that died adopts them at once — also one that had not sent its first
 * heartbeat yet. Each is recorded with its identity (pid, start time, command line): after a
 * reboot or enough processes a pid is somebody else's, and only the same start time and
 * command line say it is still that service.
 */
export function readPidFile(file: string): Map<string, ProcessIdentity> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"));
  } catch {
    return new Map(); // none yet, or torn: heartbeats still find the services
  }
  const records = new Map<string, ProcessIdentity>();
  if (typeof parsed !== "object" || parsed === null) return records;
  for (const [service, record] of Object.entries(parsed)) if (isProcessIdentity(record)) records.set(service, record);
  return records;
}

export function writePidFile(file: string, records: ReadonlyMap<string, ProcessIdentity>): void {
  // Written aside and renamed: a launcher killed mid-write leaves the old file, never half of one.
  writeFileSync(`${file}.tmp`, JSON.stringify(Object.fromEntries(records)) + "\n");
  renameSync(`${file}.tmp`, file);
}

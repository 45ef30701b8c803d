// The audit trail: one JSON line per security event in <stateDir>/audit.jsonl, fsynced as it is
// written (a few lines a day: durability costs nothing here), rotated by size, capped in total
// size (a flood of events must not fill the SD card), pruned by age. Opening never throws: an
// alarm on a read-only or full disk must still start; appends say what fails.
// A code never lands here: AlarmEvent has no field for one, and append refuses keys that look
// like one in case a caller passes a request through.
import {
  closeSync,
  constants,
  fchmodSync,
  fstatSync,
  fsyncSync,
  openSync,
  readSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from "node:fs";
import path from "node:path";
import type { Clock } from "@roomguard/runtime";
import { AUDIT_FILE_MODE, codeOf, fsyncDir, letGroupRead, makeStateDir, messageOf, storageError, type StorageLog } from "./state-dir.js";
import { AUDIT_FILE, AuditReadError, parseLine, rotatedStamps, secretKey, streamAudit, type SkippedLine } from "./audit-reader.js";
import type { AlarmEvent } from "./types.js";

export { AUDIT_FILE, AuditReadError, latestEvents, streamAudit, type AuditRecord, type SkippedLine } from "./audit-reader.js";
export { ALARM_EVENT_KINDS, type AlarmEvent, type AlarmEventKind } from "./types.js";
export { publicEvent } from "./public-event.js";
const DAY_MS = 24 * 60 * 60 * 1000;
/** Enough of a file's end to hold its last entries: where pruning looks for the newest one. */
const TAIL_BYTES = 64 * 1024;
/** The default clock; a type-only import of the runtime keeps this module light for the CLI. */
const wallClock: Pick<Clock, "now"> = { now: () => Date.now() };

export interface AuditOptions {
  /** Rotated files whose newest entry is older than this many days are removed (at open and at each rotation). */
  keepDays: number;
  /** audit.jsonl is renamed to `audit-<time>.jsonl` once it holds this many bytes. */
  rotateBytes: number;
  /**
   * The audit files together stay within this many bytes (give or take the line that crosses
   * rotateBytes): at open and at each rotation, before the keepDays pruning, the oldest rotated
   * files are removed until they fit in maxBytes − rotateBytes, room for a full audit.jsonl.
   * audit.jsonl itself is never removed. Keep it several times rotateBytes.
   */
  maxBytes: number;
}

/** The audit trail, open for appending. */
export interface Audit {
  /**
   * Appends one event as a JSON line (`at` as ISO) and fsyncs it. Throws, writing nothing, for an
   * event with a key named like a code, pin, password or secret, or without a valid `at`;
   * throws naming the file and the cause when it cannot write, or (saying the event is stored)
   * when rotating the full file failed: the next append tries again.
   */
  append(event: AlarmEvent): void;
  /** Closes the file; append then throws. */
  close(): void;
}

/**
 * Opens the audit trail in `dir` (created mode 0750 if missing; files mode 0640, so the
 * directory's group may read them; an older version's 0700 directory and 0600 files get the
 * group's read at open). A torn last line left by a power cut is ended with a newline, so the
 * next event starts a line of its own. `clock` dates the rotated files and decides what is old
 * enough to remove.
 *
 * Never throws: what fails at open (a read-only disk, EACCES, a full disk) is logged to `log`,
 * and each append tries again to create the directory and open the file, throwing if it cannot.
 */
export function openAudit(dir: string, options: AuditOptions, clock: Pick<Clock, "now"> = wallClock, log?: StorageLog): Audit {
  const file = path.join(dir, AUDIT_FILE);
  let fd: number | null = null;
  let size = 0;
  // The file does not end with a newline (a torn line, or a write that failed part way).
  let torn = false;
  let closed = false;

  function open(): number {
    makeStateDir(dir);
    const opened = openSync(file, constants.O_RDWR | constants.O_APPEND | constants.O_CREAT, AUDIT_FILE_MODE);
    try {
      const stat = fstatSync(opened);
      // The umask may have taken the group's read, or an older version made it 0600.
      if ((stat.mode & AUDIT_FILE_MODE) !== AUDIT_FILE_MODE) groupRead(opened, stat.mode);
      size = stat.size;
      torn = size > 0 && lastByte(opened, size) !== 0x0a;
    } catch (error) {
      closeSync(opened);
      throw error;
    }
    fd = opened;
    return opened;
  }

  function groupRead(opened: number, mode: number): void {
    try {
      fchmodSync(opened, (mode & 0o7777) | AUDIT_FILE_MODE);
    } catch (error) {
      log?.warn(`cannot let the group read ${file} (for roomguard alarm history): ${messageOf(error)}`, { code: codeOf(error) });
    }
  }

  function rotate(): void {
    if (fd !== null) closeSync(fd);
    fd = null;
    try {
      const stamp = Math.max(clock.now(), newestStamp(dir) + 1); // names sort in rotation order even if the clock stepped back
      renameSync(file, path.join(dir, rotatedName(stamp)));
      fsyncDir(dir);
      prune(dir, options, clock.now(), log);
    } finally {
      open(); // the renamed file's successor, or the same file again when renaming failed (the next append retries)
    }
  }

  function append(event: AlarmEvent): void {
    const secret = secretKey(event);
    if (secret !== null) throw new Error(`refusing to audit an event with the key "${secret}": the audit trail never holds a code`);
    const iso = typeof event.at === "number" ? new Date(event.at) : null;
    if (iso === null || Number.isNaN(iso.getTime())) throw new Error(`an audit event needs "at" in epoch ms, got ${String(event.at)}`);
    if (closed) throw new Error(`the audit trail in ${dir} is closed`);
    const { at: _at, kind, ...rest } = event;
    const json = JSON.stringify({ at: iso.toISOString(), kind, ...rest });
    try {
      const out = (fd ??= open()); // null after a rotation that failed to reopen the file
      const line = Buffer.from(`${torn ? "\n" : ""}${json}\n`);
      torn = true;
      for (let offset = 0; offset < line.length;) offset += writeSync(out, line, offset);
      torn = false;
      size += line.length;
      fsyncSync(out);
    } catch (error) {
      throw storageError(`cannot write the audit trail ${file}`, error);
    }
    if (size < options.rotateBytes) return;
    try {
      rotate();
    } catch (error) {
      throw storageError(`the event is stored in ${file}, but rotating it or removing old audit files failed`, error);
    }
  }

  function close(): void {
    closed = true;
    if (fd !== null) closeSync(fd);
    fd = null;
  }

  try {
    open();
  } catch (error) {
    log?.error(`cannot open the audit trail ${file}: ${messageOf(error)}; each event tries again`, { code: codeOf(error) });
  }
  letGroupRead(dir, log);
  try {
    for (const rotated of rotatedFiles(dir)) letGroupRead(path.join(dir, rotated.name), log);
    prune(dir, options, clock.now(), log);
  } catch (error) {
    log?.warn(`cannot remove old audit files in ${dir}: ${messageOf(error)}; the next rotation tries again`, { code: codeOf(error) });
  }
  return { append, close };
}

/**
 * The events in `dir`, oldest first, across the rotated files and audit.jsonl; `at` back in
 * epoch ms. `since` keeps events at or after it; `kinds` keeps those kinds. Lines that are not
 * events (a line torn by a power cut) are skipped and listed. No directory: no events. Reads every
 * file: {@link streamAudit} is the reader for a part of the trail.
 */
export async function readAudit(
  dir: string,
  filter: { since?: Date; kinds?: readonly string[] } = {},
): Promise<{ events: AlarmEvent[]; skipped: SkippedLine[] }> {
  const events: AlarmEvent[] = [];
  const skipped: SkippedLine[] = [];
  const since = filter.since?.getTime() ?? -Infinity;
  const kinds = filter.kinds && filter.kinds.length > 0 ? new Set(filter.kinds) : null;
  try {
    for await (const record of streamAudit(dir)) {
      if ("skipped" in record) skipped.push(record.skipped);
      else if (record.event.at >= since && (kinds === null || kinds.has(record.event.kind))) events.push(record.event);
    }
  } catch (error) {
    if (error instanceof AuditReadError && error.path === dir && error.code === "ENOENT") return { events, skipped };
    throw error;
  }
  return { events, skipped };
}

function rotatedName(ms: number): string {
  return `audit-${new Date(ms).toISOString().replace(/:/g, "-")}.jsonl`;
}

/** Rotated files, oldest first, with the time in their name. */
function rotatedFiles(dir: string): { name: string; stamp: number }[] {
  try {
    return rotatedStamps(readdirSync(dir));
  } catch (error) {
    if (codeOf(error) === "ENOENT") return [];
    throw error;
  }
}

function newestStamp(dir: string): number {
  return rotatedFiles(dir).reduce((newest, rotated) => Math.max(newest, rotated.stamp), -Infinity);
}

/**
 * Removes the oldest rotated files until they fit in maxBytes − rotateBytes (audit.jsonl may grow
 * to rotateBytes beside them), then the rotated files whose newest entry is older than keepDays.
 * Removing events younger than keepDays is logged: a flood of events is worth knowing about.
 */
function prune(dir: string, options: AuditOptions, now: number, log: StorageLog | undefined): void {
  const budget = options.maxBytes - Math.max(options.rotateBytes, sizeOf(path.join(dir, AUDIT_FILE)));
  const files = rotatedFiles(dir).map((rotated) => ({
    ...rotated,
    file: path.join(dir, rotated.name),
    size: sizeOf(path.join(dir, rotated.name)),
  }));
  let total = files.reduce((sum, rotated) => sum + rotated.size, 0);
  const cutoff = now - options.keepDays * DAY_MS;
  const capped: string[] = [];
  for (const rotated of files) {
    if (total > budget) {
      const newest = newestEntry(rotated.file) ?? rotated.stamp;
      rmSync(rotated.file, { force: true });
      total -= rotated.size;
      if (newest >= cutoff) capped.push(rotated.name);
    } else if ((newestEntry(rotated.file) ?? rotated.stamp) < cutoff) rmSync(rotated.file, { force: true });
  }
  if (capped.length > 0)
    log?.warn(`the audit trail reached alarm.audit.maxBytes (${options.maxBytes} bytes): removed its oldest files before keepDays`, {
      dir,
      removed: capped,
    });
}

/** A file's size in bytes; 0 when it is gone. */
function sizeOf(file: string): number {
  try {
    return statSync(file).size;
  } catch (error) {
    if (codeOf(error) === "ENOENT") return 0;
    throw error;
  }
}

/** The latest `at` among the last entries of a file; null when none can be read. */
function newestEntry(file: string): number | null {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch {
    return null;
  }
  try {
    const size = fstatSync(fd).size;
    const length = Math.min(size, TAIL_BYTES);
    const tail = Buffer.alloc(length);
    readSync(fd, tail, 0, length, size - length);
    let newest: number | null = null;
    for (const line of tail.toString("utf8").split("\n")) {
      const event = parseLine(line);
      if (typeof event !== "string") newest = Math.max(newest ?? -Infinity, event.at);
    }
    return newest;
  } finally {
    closeSync(fd);
  }
}

function lastByte(fd: number, size: number): number | undefined {
  const byte = Buffer.alloc(1);
  readSync(fd, byte, 0, 1, size - 1);
  return byte[0];
}

// Reading the audit trail back: the one reader of its format, for the alarm's `history` request
// and `roomguard alarm history`. It streams: a file is read in chunks from either end, never
// whole, so the request can stop as soon as it has enough, and a line is at most MAX_LINE_BYTES.
import { readdir, open, type FileHandle } from "node:fs/promises";
import path from "node:path";
import { codeOf } from "./state-dir.js";
import type { AlarmEvent } from "./types.js";

/** The file events are appended to. */
export const AUDIT_FILE = "audit.jsonl";
/** `audit-<ISO time, colons as dashes>.jsonl`: the time it was rotated. */
const ROTATED = /^audit-(\d{4}-\d{2}-\d{2})T(\d{2})-(\d{2})-(\d{2})\.(\d{3})Z\.jsonl$/;
/** Keys that could carry a secret: never written, and never read back either. */
export const SECRET_KEY = /code|pin|passw|secret/i;
/** Bytes read at a time. */
const CHUNK_BYTES = 64 * 1024;
/** A longer line is no event the alarm wrote (theirs are well under 1 KiB): skipped, never held whole. */
const MAX_LINE_BYTES = 256 * 1024;
const NEWLINE = 0x0a;

/** A line that is not an event: torn by a power cut mid-append, or not an event. */
export interface SkippedLine {
  /** The file's name in the audit directory. */
  file: string;
  /** 1-based, from the file's start; from its end (1 the last line) when `fromEnd` (read newest first). */
  line: number;
  fromEnd?: true;
  why: string;
}

/** What {@link streamAudit} yields: an event, with its line as stored, or a line it skipped. */
export type AuditRecord = { event: AlarmEvent; line: string; file: string } | { skipped: SkippedLine };

/** The audit directory or one of its files could not be read (EACCES, EIO, …): `path` says which. */
export class AuditReadError extends Error {
  /** The errno code (`EACCES`, `ENOENT` for a missing directory), or `UNKNOWN`. */
  readonly code: string;
  constructor(
    readonly path: string,
    cause: unknown,
  ) {
    super(`cannot read the audit trail in ${path}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.code = codeOf(cause) ?? "UNKNOWN";
  }
}

/**
 * Streams the audit trail in `dir`: oldest first (rotated files by their time, then audit.jsonl,
 * each from its start), or with `newestFirst` the other way round (each file from its end), so a
 * reader that wants the latest events stops early and reads little. `at` comes back in epoch ms
 * (the stored ISO time, or epoch ms an older line may hold). Lines that are not events are yielded
 * as skipped, and so is an event with a key named like a code. A file rotated or pruned away while
 * reading is passed over. Throws {@link AuditReadError} when the directory or a file cannot be
 * read (a missing directory: code ENOENT).
 */
export async function* streamAudit(dir: string, options: { newestFirst?: boolean } = {}): AsyncGenerator<AuditRecord> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    throw new AuditReadError(dir, error);
  }
  const files = [...rotatedNames(names), ...(names.includes(AUDIT_FILE) ? [AUDIT_FILE] : [])];
  if (options.newestFirst) files.reverse();
  for (const name of files) {
    const file = path.join(dir, name);
    let handle: FileHandle;
    try {
      handle = await open(file, "r");
    } catch (error) {
      if (codeOf(error) === "ENOENT") continue; // rotated or pruned since the listing
      throw new AuditReadError(file, error);
    }
    try {
      const lines = options.newestFirst ? linesFromEnd(handle) : linesFromStart(handle);
      for await (const { text, number } of lines) {
        if (text !== null && text.trim() === "") continue;
        const event = text === null ? `longer than ${MAX_LINE_BYTES} bytes` : parseLine(text);
        if (typeof event === "string")
          yield { skipped: { file: name, line: number, ...(options.newestFirst ? { fromEnd: true as const } : {}), why: event } };
        else yield { event, line: text ?? "", file: name };
      }
    } catch (error) {
      if (error instanceof AuditReadError) throw error;
      throw new AuditReadError(file, error);
    } finally {
      await handle.close();
    }
  }
}

/** Rotated files' names, oldest first (by the time in the name). */
export function rotatedNames(names: readonly string[]): string[] {
  return rotatedStamps(names).map((rotated) => rotated.name);
}

/** Rotated files with the time in their name, oldest first. */
export function rotatedStamps(names: readonly string[]): { name: string; stamp: number }[] {
  return names
    .flatMap((name) => {
      const match = ROTATED.exec(name);
      return match ? [{ name, stamp: Date.parse(`${match[1]}T${match[2]}:${match[3]}:${match[4]}.${match[5]}Z`) }] : [];
    })
    .sort((a, b) => a.stamp - b.stamp);
}

/** One line of the trail as an event (`at` in epoch ms), or why it is none. */
export function parseLine(line: string): AlarmEvent | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return "torn or not JSON";
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return "not an object";
  const record = parsed as Record<string, unknown>;
  const at = typeof record.at === "string" ? Date.parse(record.at) : typeof record.at === "number" ? record.at : NaN;
  if (typeof record.kind !== "string" || !Number.isFinite(at)) return "no kind or no ISO time";
  if (secretKey(record) !== null) return "a key named like a code: not shown";
  return { ...record, at } as AlarmEvent;
}

/** The first key, at any depth, named like a secret; null when there is none. */
export function secretKey(value: unknown): string | null {
  if (typeof value !== "object" || value === null) return null;
  for (const [key, inner] of Object.entries(value)) {
    if (SECRET_KEY.test(key)) return key;
    const found = secretKey(inner);
    if (found !== null) return found;
  }
  return null;
}

/** A line's text (null when it was longer than MAX_LINE_BYTES) and its number. */
interface Line {
  text: string | null;
  number: number;
}

/** Lines from the start, read a chunk at a time up to the end (lines appended meanwhile included). */
async function* linesFromStart(handle: FileHandle): AsyncGenerator<Line> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let overlong = false;
  let number = 0;
  let position = 0;
  const chunk = Buffer.alloc(CHUNK_BYTES);
  for (;;) {
    const { bytesRead } = await handle.read(chunk, 0, CHUNK_BYTES, position);
    if (bytesRead === 0) break;
    position += bytesRead;
    let start = 0;
    for (let newline = chunk.indexOf(NEWLINE, 0); newline !== -1 && newline < bytesRead; newline = chunk.indexOf(NEWLINE, start)) {
      number++;
      const tooLong = overlong || pendingBytes + newline - start > MAX_LINE_BYTES;
      yield { text: tooLong ? null : Buffer.concat([...pending, chunk.subarray(start, newline)]).toString("utf8"), number };
      pending = [];
      pendingBytes = 0;
      overlong = false;
      start = newline + 1;
    }
    if (overlong) continue;
    pendingBytes += bytesRead - start;
    if (pendingBytes > MAX_LINE_BYTES) {
      overlong = true;
      pending = [];
    } else pending.push(Buffer.from(chunk.subarray(start, bytesRead)));
  }
  if (pendingBytes > 0 || overlong) yield { text: overlong ? null : Buffer.concat(pending).toString("utf8"), number: number + 1 };
}

/** Lines from the end back to the start of the file as it was when reading began. */
async function* linesFromEnd(handle: FileHandle): AsyncGenerator<Line> {
  let position = (await handle.stat()).size;
  // The end of a line whose start lies further back, as chunks in file order.
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let overlong = false;
  let number = 0;
  let first = true;
  while (position > 0) {
    const length = Math.min(CHUNK_BYTES, position);
    position -= length;
    const chunk = Buffer.alloc(length);
    for (let offset = 0; offset < length;) {
      const { bytesRead } = await handle.read(chunk, offset, length - offset, position + offset);
      if (bytesRead === 0) throw new Error("the file shrank while it was read");
      offset += bytesRead;
    }
    let end = length;
    for (let newline = chunk.lastIndexOf(NEWLINE, end - 1); newline !== -1; newline = end > 0 ? chunk.lastIndexOf(NEWLINE, end - 1) : -1) {
      // The newline that ends the file ends its last line: no empty line after it.
      if (!(first && newline === length - 1 && pendingBytes === 0)) {
        number++;
        const tooLong = overlong || pendingBytes + end - newline - 1 > MAX_LINE_BYTES;
        yield { text: tooLong ? null : Buffer.concat([chunk.subarray(newline + 1, end), ...pending]).toString("utf8"), number };
      }
      first = false;
      pending = [];
      pendingBytes = 0;
      overlong = false;
      end = newline;
    }
    first = false;
    if (overlong) continue;
    pendingBytes += end;
    if (pendingBytes > MAX_LINE_BYTES) {
      overlong = true;
      pending = [];
    } else pending.unshift(chunk.subarray(0, end));
  }
  if (pendingBytes > 0 || overlong) yield { text: overlong ? null : Buffer.concat(pending).toString("utf8"), number: number + 1 };
}

/**
 * The latest events of the trail in `dir`, newest first (last written first), at most `limit`,
 * only those before `before` (epoch ms) when given. Reads from the newest file's end and stops as
 * soon as it has `limit`, so the work is bounded by what is asked, not by the trail's size (unless
 * `before` lies far back). `skipped` counts the lines passed over that are not events. No directory:
 * no events.
 */
export async function latestEvents(
  dir: string,
  query: { limit: number; before?: number | undefined },
): Promise<{ events: AlarmEvent[]; skipped: number }> {
  const events: AlarmEvent[] = [];
  let skipped = 0;
  if (query.limit <= 0) return { events, skipped };
  try {
    for await (const record of streamAudit(dir, { newestFirst: true })) {
      if ("skipped" in record) skipped++;
      else if (query.before === undefined || record.event.at < query.before) {
        events.push(record.event);
        if (events.length >= query.limit) break;
      }
    }
  } catch (error) {
    if (!(error instanceof AuditReadError && error.path === dir && error.code === "ENOENT")) throw error;
  }
  return { events, skipped };
}

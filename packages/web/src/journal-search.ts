import { RequestRefused, TOPIC_PATTERN } from "@roomguard/bus";
import { readJournal, readJournalNewestFirst, renderBytes, type JournalRecord, type ReadProblem } from "@roomguard/journal";

/** What the `journal` command asks (docs: page/protocol.ts): every field optional. */
export interface JournalQuery {
  /** A topic (`DOOR`: its messages, bare `DOOR` too), or a prefix starting with one and `:` (`DOOR:`, `SENSOR: hall`). */
  topic?: string;
  /** A case-insensitive substring of the message as shown. */
  text?: string;
  /** Journaled at or after (epoch ms). */
  since?: number;
  /** Journaled at or before (epoch ms). */
  until?: number;
  /** Sequence numbers below this one, newest first (the default: from the newest). */
  before?: number;
  /** Sequence numbers above this one, oldest first (the live view asks with the last one it has). */
  after?: number;
  /** Records at most, 1–200; default 100. */
  limit?: number;
}

/** One journaled message as the console shows it, or a gap marker (`gap: true`). */
export interface JournalRow {
  seq: number;
  /** When the router journaled it, epoch ms. */
  at: number;
  /** The message as safe text (renderBytes: control characters and non-UTF-8 bytes escaped), cut to MAX_MESSAGE_CHARS. */
  message: string;
  gap?: true;
}

export interface JournalPage {
  /** Newest first; oldest first when the query gave `after`. */
  records: JournalRow[];
  /**
   * Where the next page starts, in the same direction: pass it as `before` (newest first) or as
   * `after` (with `after`). Null when the journal holds nothing more that way.
   */
  next: number | null;
  /** The read stopped at its budget (MAX_SCAN_BYTES or MAX_SCAN_MS) before the page was full; `next` goes on from there. */
  truncated: boolean;
}

export interface SearchOptions {
  /** Bytes of journal read at most per query. Default 50 MB. */
  maxScanBytes?: number;
  /** Milliseconds of reading at most per query. Default 2000. */
  maxScanMs?: number;
  /** The clock the time budget is measured by. Default `performance.now`. */
  now?: () => number;
  /** Told of journal files that cannot be read (they are skipped). */
  onProblem?: (problem: ReadProblem) => void;
}

export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 200;
export const MAX_SCAN_BYTES = 50 * 1000 * 1000;
export const MAX_SCAN_MS = 2000;
/** A message is shown up to this many characters (a bus message may have 64 KiB, and a page holds 200). */
export const MAX_MESSAGE_CHARS = 2000;
const MAX_TOPIC_CHARS = 100;
const MAX_TEXT_CHARS = 200;
const KEYS = new Set(["topic", "text", "since", "until", "before", "after", "limit"]);

/**
 * The journal's records that the query selects, a page at a time, for the admins' message
 * console. Gap markers are always shown (the messages they stand for may have matched), as
 * `(N messages missing: why)`. Each query reads a bounded amount: past `maxScanBytes` or
 * `maxScanMs` it returns what it found with `truncated` and a `next` to go on from.
 * Throws RequestRefused with code `bad-request` when the arguments are not a query (the gateway
 * answers `bad-request` with its message); an unreadable or missing journal is an empty page.
 */
export async function searchJournal(dir: string, args: unknown, options: SearchOptions = {}): Promise<JournalPage> {
  const query = checkQuery(args);
  const limit = query.limit ?? DEFAULT_LIMIT;
  const matches = matcher(query);
  const now = options.now ?? (() => performance.now());
  const deadline = now() + (options.maxScanMs ?? MAX_SCAN_MS);
  const maxBytes = options.maxScanBytes ?? MAX_SCAN_BYTES;
  const onProblem = options.onProblem ?? ((): void => undefined);
  const page: JournalRecord[] = [];
  const overBudget = (bytes: number): boolean => bytes >= maxBytes || now() >= deadline;

  if (query.after !== undefined) {
    // Oldest first: every record passes here, so the budget is counted here.
    let bytes = 0;
    let last: number | undefined;
    const records = readJournal(dir, {
      fromSeq: query.after + 1,
      ...(query.since !== undefined ? { sinceMs: query.since } : {}),
      onProblem,
    });
    try {
      for await (const record of records) {
        // A page ends between two numbers: a gap marker shares its number with the message after it.
        if (last !== undefined && record.seq !== last) {
          if (page.length >= limit) return { records: page.map(row), next: last, truncated: false };
          if (overBudget(bytes)) return { records: page.map(row), next: last, truncated: true };
        }
        last = record.seq;
        bytes += record.frames.reduce((sum, frame) => sum + frame.length, 32);
        if ((query.until === undefined || record.timeMs <= query.until) && matches(record)) page.push(record);
      }
    } catch {
      // The directory could not be listed: what was found, and nothing more.
    }
    return { records: page.map(row), next: null, truncated: false };
  }

  // Newest first, from `before` back: the reader stops at its budget where it can go on later.
  const start = query.before ?? Infinity;
  let stoppedAt: number | undefined;
  let last: number | undefined;
  const records = readJournalNewestFirst(dir, {
    ...(query.before !== undefined ? { beforeSeq: query.before } : {}),
    ...(query.since !== undefined ? { sinceMs: query.since } : {}),
    ...(query.until !== undefined ? { untilMs: query.until } : {}),
    onProblem,
    stopWhen: (progress) => {
      // Only once it has come some way, so that the next page starts further back.
      if (progress.beforeSeq >= start || !overBudget(progress.bytes)) return false;
      stoppedAt = progress.beforeSeq;
      return true;
    },
  });
  try {
    for await (const record of records) {
      // Full: the next page starts below the last record (a gap marker after a message of the same number rides along).
      if (page.length >= limit && record.seq !== last) return { records: page.map(row), next: last ?? null, truncated: false };
      last = record.seq;
      if (matches(record)) page.push(record);
    }
  } catch {
    // As above.
  }
  if (stoppedAt !== undefined) return { records: page.map(row), next: stoppedAt, truncated: true };
  return { records: page.map(row), next: null, truncated: false };
}

/** The query, checked: throws RequestRefused("bad-request") saying what was expected and what came. */
function checkQuery(args: unknown): JournalQuery {
  if (args === undefined) return {};
  if (typeof args !== "object" || args === null || Array.isArray(args)) throw bad(`expected an object of arguments, got ${typeOf(args)}`);
  const record = args as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!KEYS.has(key)) throw bad(`expected arguments among ${[...KEYS].join(", ")}, got "${key.slice(0, 40)}"`);
  }
  const query: JournalQuery = {};
  const topic = optionalString(record, "topic", MAX_TOPIC_CHARS);
  if (topic !== undefined && topic !== "") {
    const bare = TOPIC_PATTERN.test(topic);
    const colon = topic.indexOf(":");
    if (!bare && !(colon > 0 && TOPIC_PATTERN.test(topic.slice(0, colon)))) {
      throw bad(`topic: expected a topic like DOOR or a prefix like "DOOR:" or "SENSOR: hall", got ${JSON.stringify(topic.slice(0, 40))}`);
    }
    query.topic = topic;
  }
  const text = optionalString(record, "text", MAX_TEXT_CHARS);
  if (text !== undefined && text !== "") query.text = text;
  for (const key of ["since", "until"] as const) {
    const value = record[key];
    if (value === undefined) continue;
    if (typeof value !== "number" || !Number.isFinite(value) || value < 0)
      throw bad(`${key}: expected a time in ms since the epoch, got ${typeOf(value)}`);
    query[key] = value;
  }
  if (query.since !== undefined && query.until !== undefined && query.since > query.until) {
    throw bad(`expected since at or before until, got since ${query.since} and until ${query.until}`);
  }
  for (const key of ["before", "after"] as const) {
    const value = record[key];
    if (value === undefined) continue;
    if (!Number.isSafeInteger(value) || (value as number) < 0)
      throw bad(`${key}: expected a sequence number (an integer from 0), got ${typeOf(value)}`);
    query[key] = value as number;
  }
  if (query.before !== undefined && query.after !== undefined) throw bad("expected before or after, got both");
  if (record.limit !== undefined) {
    const limit = record.limit;
    if (!Number.isInteger(limit) || (limit as number) < 1 || (limit as number) > MAX_LIMIT) {
      throw bad(`limit: expected an integer from 1 to ${MAX_LIMIT}, got ${typeOf(limit)}`);
    }
    query.limit = limit as number;
  }
  return query;
}

function optionalString(record: Record<string, unknown>, key: string, maxChars: number): string | undefined {
  const value = record[key];
  if (value === undefined) return undefined;
  if (typeof value !== "string") throw bad(`${key}: expected a string, got ${typeOf(value)}`);
  if (value.length > maxChars) throw bad(`${key}: expected at most ${maxChars} characters, got ${value.length}`);
  return value;
}

function bad(message: string): RequestRefused {
  return new RequestRefused(message, "bad-request");
}

/** A short description of an untrusted value for an error message. */
function typeOf(value: unknown): string {
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (value === null) return "null";
  return Array.isArray(value) ? "an array" : typeof value === "object" ? "an object" : `a ${typeof value}`;
}

/**
 * Whether a record is selected by topic and text. A bare topic matches that topic exactly
 * (`DOOR: …`, a bare `DOOR`, not `DOORBELL: …`), anything else is a byte prefix, as the bus
 * subscribes (and as `roomguard journal --topic` reads). Gap markers always match.
 */
function matcher(query: JournalQuery): (record: JournalRecord) => boolean {
  const { topic } = query;
  const text = query.text?.toLowerCase();
  if (topic === undefined && text === undefined) return () => true;
  const topicMatches =
    topic === undefined
      ? (): boolean => true
      : TOPIC_PATTERN.test(topic)
        ? (shown: string): boolean => shown === topic || shown.startsWith(`${topic}:`)
        : (shown: string): boolean => shown.startsWith(topic);
  return (record) => {
    if (record.missing) return true;
    const shown = render(record);
    return topicMatches(shown) && (text === undefined || shown.toLowerCase().includes(text));
  };
}

/** The message as one safe line: its frames (a bus message has one) rendered and joined by ` | `. */
function render(record: JournalRecord): string {
  if (record.missing) {
    const { count, reason } = record.missing;
    const what = count === null ? "an unknown number of messages" : count === 1 ? "1 message" : `${count} messages`;
    return `(${what} missing: ${renderBytes(Buffer.from(reason))})`;
  }
  return record.frames.map((frame) => renderBytes(frame)).join(" | ");
}

function row(record: JournalRecord): JournalRow {
  const shown = render(record);
  const message = shown.length > MAX_MESSAGE_CHARS ? `${shown.slice(0, MAX_MESSAGE_CHARS)}… (${shown.length} characters)` : shown;
  return record.missing ? { seq: record.seq, at: record.timeMs, message, gap: true } : { seq: record.seq, at: record.timeMs, message };
}

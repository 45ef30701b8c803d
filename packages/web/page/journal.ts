/** The message console's pure part: the query a filter form means, and records kept newest first. */
import { localInputToEpochMs } from "./format.js";

export interface JournalRecord {
  seq: number;
  at: number;
  message: unknown;
}

export interface JournalFilter {
  topic: string;
  text: string;
  /** datetime-local values, "" for none. */
  since: string;
  until: string;
}

/** The `journal` request's args for `filter`, with `before`/`after` when paging or polling; empty fields left out. */
export function journalArgs(filter: JournalFilter, page: { before?: number; after?: number } = {}, limit = 100): Record<string, unknown> {
  const args: Record<string, unknown> = { limit };
  if (filter.topic.trim() !== "") args.topic = filter.topic.trim();
  if (filter.text.trim() !== "") args.text = filter.text.trim();
  const since = localInputToEpochMs(filter.since);
  const until = localInputToEpochMs(filter.until);
  if (since !== undefined) args.since = since;
  if (until !== undefined) args.until = until;
  if (page.before !== undefined) args.before = page.before;
  if (page.after !== undefined) args.after = page.after;
  return args;
}

/** `shown` (newest first) with `more` added, each seq once, newest first, at most `max`. */
export function mergeRecords(shown: readonly JournalRecord[], more: readonly JournalRecord[], max = 1000): JournalRecord[] {
  const bySeq = new Map<number, JournalRecord>();
  for (const record of [...shown, ...more]) bySeq.set(record.seq, record);
  return [...bySeq.values()].sort((a, b) => b.seq - a.seq).slice(0, max);
}

/** A record's message as one line of text. */
export function messageText(message: unknown): string {
  return typeof message === "string" ? message : JSON.stringify(message);
}

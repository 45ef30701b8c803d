import { existsSync } from "node:fs";
import { access, constants } from "node:fs/promises";
import { parseArgs } from "node:util";
import { TOPIC_PATTERN } from "@roomguard/bus";
import { resolveConfigPath } from "@roomguard/config";
import {
  followJournal,
  listSegments,
  readJournal,
  renderBytes,
  seqAfterRecord,
  type JournalRecord,
  type ReadOptions,
  type ReadProblem,
} from "@roomguard/journal";
import type { Command } from "../command.js";
import { dateTime, renderFrames } from "../output.js";
import { UsageError } from "../usage-error.js";

export const journalCommand: Command = {
  summary: "print the router's journal of forwarded messages",
  usage: `roomguard journal [--follow] [--lines N] [--since WHEN] [--from SEQ] [--topic T]...
                  [--json | --lala] [--dir DIR] [--config FILE]

Prints journaled messages, oldest first: sequence number, local time, message.
Bytes that are not UTF-8, and control characters, are shown escaped. Where messages
are missing (the disk failed, the router was killed) a "--" line says how many and why.
Files it cannot read are named on stderr, and the exit code is then 1.

  --follow, -f      like tail -f: the last 10 messages, then new ones as they are
                    journaled (with --since or --from: from there instead)
  --lines N, -n N   only the last N messages (of those --since, --from and --topic
                    select); with --follow, N before the new ones (0: only new ones)
  --since WHEN      from a time: 2026-11-22T10:00, or an age: 30s, 10m, 2h, 1d
  --from SEQ        from a sequence number
  --topic T         only topic T (KEY, DEATH) or, with other characters, messages
                    starting with T (KEY: LE); may be repeated
  --json            one JSON object a line: seq, time (UTC), message or frames (hex)
  --lala            lala-pi's router log format: seq:message
  --dir DIR         the journal directory (default: router.journal.dir of the config)`,

  async run(argv, context) {
    const { values } = parseArgs({
      args: argv,
      options: {
        config: { type: "string", short: "c" },
        dir: { type: "string" },
        follow: { type: "boolean", short: "f" },
        lines: { type: "string", short: "n" },
        since: { type: "string" },
        from: { type: "string" },
        topic: { type: "string", multiple: true },
        json: { type: "boolean" },
        lala: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    });
    let unreadable = 0;
    const options: ReadOptions = {
      ...(values.since !== undefined ? { sinceMs: parseSince(values.since, Date.now()) } : {}),
      ...(values.from !== undefined ? { fromSeq: parseSeq(values.from) } : {}),
      onProblem: (problem: ReadProblem) => {
        unreadable++;
        context.output.err(`cannot read ${problem.file}: ${problem.message}`);
      },
    };
    // Following with no start given begins near the end, as tail -f does: a journal holds millions.
    const count =
      values.lines !== undefined
        ? parseCount(values.lines)
        : values.follow && values.since === undefined && values.from === undefined
          ? 10
          : undefined;
    const loaded = context.loadConfig(values.config, { needs: values.dir === undefined ? ["router.journal.dir"] : [] });
    const dir = values.dir ?? resolveConfigPath(loaded, loaded.config.router.journal.dir);
    if (!existsSync(dir)) {
      context.output.err(`no journal at ${dir}: has the router run with this config? (router.journal.dir, or --dir)`);
      return 1;
    }
    const matches = topicFilter(values.topic ?? []);
    const format = values.json ? jsonLine : values.lala ? lalaLine : textLine;
    // Waits while the reader is behind (`| less`): lines never pile up in memory.
    let printed = 0;
    const print = async (record: JournalRecord): Promise<void> => {
      if (matches(record)) {
        printed++;
        context.output.out(format(record));
      }
      await context.output.drained();
    };
    try {
      let fromSeq = options.fromSeq;
      if (count !== undefined) {
        const tail = await lastRecords(dir, options, matches, count);
        for (const record of tail.records) await print(record);
        fromSeq = tail.nextSeq;
      }
      if (values.follow) {
        for await (const record of followJournal(dir, {
          ...options,
          ...(fromSeq !== undefined ? { fromSeq } : {}),
          signal: context.signal,
        }))
          await print(record);
      } else if (count === undefined) {
        for await (const record of readJournal(dir, options)) await print(record);
      }
    } catch (error) {
      context.output.err(`cannot read the journal at ${dir}: ${(error as Error).message}`);
      return 1;
    }
    // The router's own journal directory, not writable: nothing new is being journaled.
    const unwritable = values.dir === undefined ? await notWritable(dir) : undefined;
    if (unwritable) {
      context.output.err(
        `the journal at ${dir} is not writable (${unwritable}): the router cannot journal there; \`roomguard status\` shows the router's problem`,
      );
    }
    if (printed === 0 && !values.follow && (await listSegments(dir).catch(() => [])).length === 0) {
      context.output.err(`the journal at ${dir} holds no messages yet`);
    }
    return unreadable > 0 || unwritable ? 1 : 0;
  },
};

/** Why the directory cannot be written (`EROFS`), or undefined. */
async function notWritable(dir: string): Promise<string | undefined> {
  try {
    await access(dir, constants.W_OK);
    return undefined;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code ?? (error as Error).message;
  }
}

/**
 * The last `count` records that `matches` selects, and the sequence number after the last record
 * read (where following goes on). Reads from the newest segment back, only as far as it must:
 * blocks before a pass's start are skipped without being decoded.
 */
export async function lastRecords(
  dir: string,
  options: ReadOptions,
  matches: (record: JournalRecord) => boolean,
  count: number,
): Promise<{ records: JournalRecord[]; nextSeq: number | undefined }> {
  const segments = await listSegments(dir);
  const earliest = options.fromSeq ?? 0;
  let records: JournalRecord[] = [];
  let nextSeq: number | undefined = options.fromSeq;
  for (let i = segments.length - 1; i >= 0; i--) {
    const fromSeq = Math.max(segments[i]?.firstSeq ?? 0, earliest);
    records = [];
    for await (const record of readJournal(dir, { ...options, fromSeq })) {
      nextSeq = seqAfterRecord(record);
      if (!matches(record)) continue;
      records.push(record);
      if (records.length > 2 * count + 100) records.splice(0, records.length - count);
    }
    if (records.length >= count || fromSeq <= earliest) break;
  }
  return { records: count === 0 ? [] : records.slice(-count), nextSeq };
}

function textLine(record: JournalRecord): string {
  return `${record.seq}  ${dateTime(record.timeMs)}  ${record.missing ? gapText(record) : renderFrames(record.frames)}`;
}

function lalaLine(record: JournalRecord): string {
  return `${record.seq}:${record.missing ? gapText(record) : renderFrames(record.frames)}`;
}

/** `-- 12 messages missing (1041–1052): why`, or, when nobody knows how many, `-- messages missing here: why`. */
function gapText(record: JournalRecord): string {
  const { count, reason } = record.missing ?? { count: null, reason: "" };
  const what =
    count === null
      ? "messages missing here"
      : count === 1
        ? `1 message missing (${record.seq})`
        : `${count} messages missing (${record.seq}–${record.seq + count - 1})`;
  return `-- ${what}: ${renderBytes(Buffer.from(reason))}`;
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

function jsonLine(record: JournalRecord): string {
  const base = { seq: record.seq, time: new Date(record.timeMs).toISOString() };
  if (record.missing) return JSON.stringify({ ...base, missing: record.missing.count, reason: record.missing.reason });
  if (record.frames.length === 1) {
    try {
      return JSON.stringify({ ...base, message: strictUtf8.decode(record.frames[0]) });
    } catch {
      // Not UTF-8: fall through to hex.
    }
  }
  return JSON.stringify({ ...base, frames: record.frames.map((frame) => frame.toString("hex")), shown: renderFrames(record.frames) });
}

/**
 * A bare topic matches that topic exactly (`KEY` → `KEY: …`, `DEATH`); anything else is a byte
 * prefix. A gap always matches: the messages it stands for may have been of any topic.
 */
export function topicFilter(topics: readonly string[]): (record: JournalRecord) => boolean {
  if (topics.length === 0) return () => true;
  return (record) => {
    if (record.missing) return true;
    const first = record.frames[0];
    if (!first) return false;
    const text = renderBytes(first);
    return topics.some((topic) => (TOPIC_PATTERN.test(topic) ? text === topic || text.startsWith(`${topic}:`) : text.startsWith(topic)));
  };
}

/** `30s`, `10m`, `2h`, `1d` ago, or a date/time Date.parse understands (local time when no zone is given). */
export function parseSince(value: string, nowMs: number): number {
  const age = /^(\d+(?:\.\d+)?)(s|m|h|d)$/.exec(value);
  if (age) return nowMs - Number(age[1]) * { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[age[2] as "s" | "m" | "h" | "d"];
  const time = Date.parse(value);
  if (Number.isNaN(time)) throw new UsageError(`--since: expected a time like 2026-11-22T10:00 or an age like 10m, got "${value}"`);
  return time;
}

function parseCount(value: string): number {
  if (!/^\d+$/.test(value)) throw new UsageError(`--lines: expected a number of messages, got "${value}"`);
  return Number(value);
}

function parseSeq(value: string): number {
  if (!/^\d+$/.test(value)) throw new UsageError(`--from: expected a sequence number, got "${value}"`);
  return Number(value);
}

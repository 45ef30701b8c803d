import assert from "node:assert/strict";
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  closeSync,
  readdirSync,
  statSync,
  truncateSync,
  utimesSync,
  writeSync,
} from "node:fs";
import fsPromises from "node:fs/promises";
import { syncBuiltinESMExports } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { ManualClock } from "@roomguard/runtime";
import { readJournalNewestFirst, type NewestFirstOptions, type ReadBackProgress } from "../src/newest-first.js";
import { readJournal, type JournalRecord, type ReadOptions, type ReadProblem } from "../src/reader.js";
import { listSegments, readBlocks } from "../src/segments.js";
import { JournalWriter, type JournalWriterOptions } from "../src/writer.js";
import { encodeMessage } from "../src/zmtp-frames.js";

const KiB = 1024;
const HOUR_MS = 3_600_000;
/** A fixed start, so that times in the tests read as offsets. */
const T0 = Date.UTC(2026, 0, 1);

function scratch(): string {
  return mkdtempSync(path.join(tmpdir(), "roomguard-read-back-"));
}

function writer(dir: string, clock: ManualClock, overrides: Partial<JournalWriterOptions> = {}): Promise<JournalWriter> {
  // A flush timer far away: the tests flush themselves, and a manual clock's advance would fire it.
  return JournalWriter.open({ dir, segmentBytes: 4 * KiB, maxBytes: 1024 * KiB, flushIntervalMs: 1000 * HOUR_MS, clock, ...overrides });
}

function append(journal: JournalWriter, text: string, timeMs: number): void {
  journal.append(encodeMessage([Buffer.from(text)]), 1, timeMs);
}

async function collect(records: AsyncIterable<JournalRecord>): Promise<JournalRecord[]> {
  const out: JournalRecord[] = [];
  for await (const record of records) out.push(record);
  return out;
}

/** A record as the tests compare them: its number, time and text, or its gap. */
function shown(record: JournalRecord): string {
  const what = record.missing
    ? `gap ${String(record.missing.count)} ${record.missing.reason.slice(0, 20)}`
    : record.frames.map(String).join("|");
  return `${record.seq}@${record.timeMs - T0} ${what}`;
}

const forward = async (dir: string, options: ReadOptions = {}): Promise<string[]> => (await collect(readJournal(dir, options))).map(shown);
const backward = async (dir: string, options: NewestFirstOptions = {}): Promise<string[]> =>
  (await collect(readJournalNewestFirst(dir, options))).map(shown);

/** Counts the files the journal opens (its modules import `open` from node:fs/promises). */
const opened: string[] = [];
const realOpen = fsPromises.open;
before(() => {
  fsPromises.open = ((file: string, ...rest: []) => {
    opened.push(path.basename(String(file)));
    return realOpen(file, ...rest);
  }) as typeof fsPromises.open;
  syncBuiltinESMExports();
});
after(() => {
  fsPromises.open = realOpen;
  syncBuiltinESMExports();
});

async function opensOf(read: () => Promise<unknown>): Promise<string[]> {
  opened.length = 0;
  await read();
  return [...opened];
}

/** A journal of `hours` hours, one message a minute, in 4 KiB segments (about an hour each). */
async function hourlyJournal(dir: string, hours: number): Promise<void> {
  const clock = new ManualClock(T0);
  const journal = await writer(dir, clock, { segmentBytes: 4 * KiB });
  for (let minute = 0; minute < hours * 60; minute++) append(journal, `TICK: ${minute} ${"t".repeat(30)}`, T0 + minute * 60_000);
  await journal.close();
}

/** Overwrites a segment's signature, keeping its mtime (as a damaged old file would be). */
function corrupt(file: string): void {
  const { atime, mtime } = statSync(file);
  const fd = openSync(file, "r+");
  writeSync(fd, Buffer.from("XXXXXXXX"), 0, 8, 0);
  closeSync(fd);
  utimesSync(file, atime, mtime);
}

describe("reading by time", () => {
  it("a closed segment's mtime is its newest block's time, in the journal's own lane and in a kept lane", async () => {
    const dir = scratch();
    const clock = new ManualClock(T0);
    const journal = await writer(dir, clock, { protectedTopics: ["DOOR"], protectedTopicBytes: 16 * KiB, maxBytes: 64 * KiB });
    for (let i = 0; i < 3000; i++) append(journal, `${i % 10 === 0 ? "DOOR" : "FILL"}: ${i} ${"f".repeat(40)}`, T0 + i * 1000);
    await journal.close();
    const byLane = new Map<string | null, Array<{ path: string }>>();
    for (const segment of await listSegments(dir)) byLane.set(segment.lane, [...(byLane.get(segment.lane) ?? []), segment]);
    assert.ok(byLane.has("DOOR") && (byLane.get("DOOR")?.length ?? 0) > 1, "the DOOR lane has closed segments");
    let checked = 0;
    for (const segments of byLane.values()) {
      for (const segment of segments.slice(0, -1)) {
        let newestMs = -Infinity;
        for await (const block of readBlocks(segment.path)) newestMs = Math.max(newestMs, block.timeMs);
        assert.ok(
          Math.abs(statSync(segment.path).mtimeMs - newestMs) < 1,
          `${segment.path}: mtime ${statSync(segment.path).mtimeMs}, newest ${newestMs}`,
        );
        checked++;
      }
    }
    assert.ok(checked > 5, `${checked} closed segments checked`);
  });

  it("does not open closed segments older than sinceMs (a damaged one among them is not even reported)", async () => {
    const dir = scratch();
    await hourlyJournal(dir, 30);
    const segments = await listSegments(dir);
    assert.ok(segments.length > 20, `${segments.length} segments`);
    const oldest = segments[0]?.path as string;
    corrupt(oldest);
    const sinceMs = T0 + 26 * HOUR_MS;
    const problems: ReadProblem[] = [];
    let records: string[] = [];
    const opens = await opensOf(async () => (records = await forward(dir, { sinceMs, onProblem: (problem) => problems.push(problem) })));
    assert.equal(problems.length, 0, "the damaged old segment was skipped unread");
    assert.equal(records.length, 4 * 60);
    assert.equal(records[0], `${26 * 60}@${26 * HOUR_MS} TICK: ${26 * 60} ${"t".repeat(30)}`);
    assert.ok(opens.length <= 7, `opened ${opens.length} of ${segments.length} segments for the last 4 hours: ${opens.join(" ")}`);

    // The same from the newest back, and without sinceMs the damaged file is read and named.
    const back = await backward(dir, { sinceMs, onProblem: (problem) => problems.push(problem) });
    assert.deepEqual(back, [...records].reverse());
    assert.equal(problems.length, 0);
    await forward(dir, { onProblem: (problem) => problems.push(problem) });
    assert.equal(problems.length, 1);
    assert.equal(problems[0]?.file, oldest);
  });

  it("tells a segment's age by its newest block, not its last, after a restart carried on in it", async () => {
    const dir = scratch();
    const clock = new ManualClock(T0);
    const first = await writer(dir, clock);
    append(first, "A: late", T0 + 50_000);
    // The clock stepped back (NTP): the last block is older than the one before.
    append(first, "A: early", T0 + 20_000);
    await first.close();
    const second = await writer(dir, clock);
    for (let i = 0; i < 200; i++) append(second, `B: ${i} ${"b".repeat(40)}`, T0 + 30_000);
    await second.close();
    assert.ok((await listSegments(dir)).length > 1, "the first segment was filled and closed");
    assert.deepEqual(
      (await forward(dir, { sinceMs: T0 + 40_000 })).filter((line) => line.includes("A:")),
      ["0@50000 A: late"],
    );
  });
});

describe("readJournalNewestFirst", () => {
  /**
   * A journal with everything that makes merging hard: kept DOOR messages, gap markers of dropped
   * messages (also in the gaps lane), a crash's gap marker sharing its number with the next
   * message, and a second copy of a whole segment in a kept lane (a crash between keeping and deleting).
   */
  async function hardJournal(): Promise<string> {
    const dir = scratch();
    const clock = new ManualClock(T0);
    const options = { protectedTopics: ["DOOR"], protectedTopicBytes: 16 * KiB, maxBytes: 48 * KiB, maxPendingBytes: 2 * KiB };
    const first = await writer(dir, clock, options);
    let t = T0;
    for (let round = 0; round < 30; round++) {
      // More than maxPendingBytes at once: the rest is dropped and marked.
      for (let i = 0; i < 40; i++) append(first, `${i % 7 === 0 ? "DOOR" : "FILL"}: ${round}.${i} ${"x".repeat(60)}`, (t += 1000));
      await first.flush();
    }
    // As if killed: closed, then its closing mark (a bare 32-byte header) cut off. The next writer
    // marks an unknown number missing, at the number its first message gets.
    await first.close();
    const last = (await listSegments(dir)).filter((segment) => segment.lane === null).at(-1)?.path as string;
    truncateSync(last, statSync(last).size - 32);
    const second = await writer(dir, clock, options);
    for (let i = 0; i < 20; i++) append(second, `DOOR: after ${i}`, (t += 1000));
    await second.close();
    const own = (await listSegments(dir)).filter((segment) => segment.lane === null);
    const copy = own[own.length - 2]?.path as string;
    mkdirSync(path.join(dir, "kept", "DOOR"), { recursive: true });
    copyFileSync(copy, path.join(dir, "kept", "DOOR", path.basename(copy)));
    return dir;
  }

  it("yields readJournal's records in reverse, kept lanes, gap markers and second copies included", async () => {
    const dir = await hardJournal();
    const lanes = readdirSync(path.join(dir, "kept"));
    assert.deepEqual(lanes.sort(), ["DOOR", "gaps"]);
    const all = await forward(dir);
    assert.ok(all.some((line) => / gap null /.test(line)) && all.some((line) => / gap \d+ /.test(line)), "both kinds of gap");
    const crash = all.findIndex((line) => / gap null /.test(line));
    assert.equal(all[crash]?.split("@")[0], all[crash + 1]?.split("@")[0], "the crash's marker shares its number with the next message");
    assert.equal(new Set(all).size, all.length, "readJournal yields each once");
    assert.deepEqual(await backward(dir), [...all].reverse());
  });

  it("filters as readJournal does: before a number, since and until a time", async () => {
    const dir = await hardJournal();
    const all = await collect(readJournal(dir));
    const middle = all[Math.floor(all.length / 2)] as JournalRecord;
    const sinceMs = middle.timeMs - 100_000;
    const untilMs = middle.timeMs + 50_000;
    const expected = all
      .filter((record) => record.seq < middle.seq && record.timeMs >= sinceMs && record.timeMs <= untilMs)
      .map(shown)
      .reverse();
    assert.ok(expected.length > 20);
    assert.deepEqual(await backward(dir, { beforeSeq: middle.seq, sinceMs, untilMs }), expected);
  });

  it("stops where it is asked and goes on from there without losing or repeating a record", async () => {
    const dir = await hardJournal();
    const all = await backward(dir);
    for (const budget of [1, 700, 5000]) {
      const pages: string[][] = [];
      let beforeSeq: number | undefined;
      for (let page = 0; page < 10_000; page++) {
        let stopped: ReadBackProgress | undefined;
        const start = beforeSeq ?? Infinity;
        const lines = await backward(dir, {
          ...(beforeSeq !== undefined ? { beforeSeq } : {}),
          stopWhen: (progress) => {
            if (progress.bytes < budget || progress.beforeSeq >= start) return false;
            stopped = progress;
            return true;
          },
        });
        pages.push(lines);
        if (!stopped) break;
        beforeSeq = stopped.beforeSeq;
      }
      assert.ok(pages.length > (budget === 5000 ? 3 : 50), `${pages.length} pages with a budget of ${budget} bytes`);
      assert.deepEqual(pages.flat(), all, `pages of ${budget} bytes`);
    }
  });

  it("reads only the newest segment for the newest records", async () => {
    const dir = scratch();
    await hourlyJournal(dir, 30);
    const segments = await listSegments(dir);
    corrupt(segments[0]?.path as string);
    const newest: string[] = [];
    const opens = await opensOf(async () => {
      for await (const record of readJournalNewestFirst(dir)) {
        newest.push(shown(record));
        if (newest.length === 10) break;
      }
    });
    assert.equal(newest[0]?.split(" ")[0], `${30 * 60 - 1}@${(30 * 60 - 1) * 60_000}`);
    assert.ok(opens.length <= 2, `opened ${opens.join(" ")}`);
    assert.deepEqual(await backward(scratch()), [], "an empty directory");
    assert.deepEqual(await backward(path.join(scratch(), "missing")), [], "a missing one");
  });
});

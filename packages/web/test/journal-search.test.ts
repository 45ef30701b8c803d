import assert from "node:assert/strict";
import { mkdtempSync, statSync, truncateSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { RequestRefused } from "@roomguard/bus";
import { encodeMessage, JournalWriter, listSegments } from "@roomguard/journal";
import { ManualClock } from "@roomguard/runtime";
import { searchJournal, type JournalPage, type JournalRow, type SearchOptions } from "../src/journal-search.js";

const DAY_MS = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);

function scratch(): string {
  return mkdtempSync(path.join(tmpdir(), "roomguard-journal-search-"));
}

/**
 * A journal of 300 messages one second apart (seq 0–299 at T0 + seq s): DOOR every 10th, a
 * DOORBELL, KEY and HEARTBEAT otherwise; then a crash's gap marker at 300 sharing its number with
 * the message after it, and 10 more messages (300–309), one of them binary.
 */
async function journal(): Promise<string> {
  const dir = scratch();
  const clock = new ManualClock(T0);
  const options = { dir, segmentBytes: 4096, maxBytes: 4 * 1024 * 1024, flushIntervalMs: DAY_MS, clock };
  const first = await JournalWriter.open(options);
  const add = (writer: JournalWriter, text: string | Buffer, at: number): void => {
    writer.append(encodeMessage([typeof text === "string" ? Buffer.from(text) : text]), 1, at);
  };
  for (let i = 0; i < 300; i++) {
    const text =
      i % 10 === 0
        ? `DOOR: front ${i % 20 === 0 ? "open" : "closed"} ${i}`
        : i === 55
          ? `DOORBELL: ring ${i}`
          : i % 3 === 0
            ? `KEY: LEFT ${i}`
            : `HEARTBEAT: keypad {"i":${i}}`;
    add(first, text, T0 + i * 1000);
  }
  await first.close();
  // As if killed: its closing mark (a bare 32-byte header) cut off.
  const last = (await listSegments(dir)).at(-1)?.path as string;
  truncateSync(last, statSync(last).size - 32);
  const second = await JournalWriter.open(options);
  for (let i = 300; i < 310; i++)
    add(second, i === 305 ? Buffer.from([0x4b, 0x45, 0x59, 0x3a, 0x20, 0xff, 0x1b, 0x5b]) : `KEY: RIGHT ${i}`, T0 + i * 1000);
  await second.close();
  return dir;
}

const seqs = (page: JournalPage): number[] => page.records.map((record) => record.seq);

/** Every page of a query, following `next` (in the query's direction). */
async function allPages(dir: string, query: Record<string, unknown>, options: SearchOptions = {}): Promise<JournalPage[]> {
  const pages: JournalPage[] = [];
  let next: number | null | undefined;
  do {
    const key = query.after !== undefined ? "after" : "before";
    const page = await searchJournal(dir, next === undefined ? query : { ...query, [key]: next }, options);
    pages.push(page);
    next = page.next;
  } while (next !== null && pages.length < 1000);
  return pages;
}

describe("searchJournal", () => {
  it("pages newest first, with the crash's gap marker after the message of its number, and oldest first after a number", async () => {
    const dir = await journal();
    const first = await searchJournal(dir, { limit: 5 });
    assert.deepEqual(seqs(first), [309, 308, 307, 306, 305]);
    assert.equal(first.next, 305);
    assert.equal(first.truncated, false);
    assert.equal(first.records[0]?.message, "KEY: RIGHT 309");
    assert.equal(first.records[0]?.at, T0 + 309_000);
    assert.equal(first.records[4]?.message, "KEY: \\xff\\x1b[", "binary shown escaped");
    const second = await searchJournal(dir, { limit: 5, before: 305 });
    assert.deepEqual(seqs(second), [304, 303, 302, 301, 300, 300], "the gap marker at 300 rides along");
    const gap = second.records[5] as JournalRow;
    assert.equal(gap.gap, true);
    assert.match(gap.message, /^\(an unknown number of messages missing: the router stopped without closing the journal/);

    const pages = await allPages(dir, { limit: 7 });
    const rows = pages.flatMap((page) => page.records);
    assert.equal(rows.length, 311, "every message once, and the gap");
    assert.deepEqual(
      rows.map((record) => record.seq),
      [...[309, 308, 307, 306, 305, 304, 303, 302, 301, 300, 300], ...Array.from({ length: 300 }, (_, i) => 299 - i)],
    );
    assert.equal(pages.at(-1)?.next, null);

    const newer = await allPages(dir, { after: 290, limit: 4 });
    assert.deepEqual(
      newer.map((page) => seqs(page)),
      [
        [291, 292, 293, 294],
        [295, 296, 297, 298],
        [299, 300, 300, 301],
        [302, 303, 304, 305],
        [306, 307, 308, 309],
      ],
    );
    assert.equal(newer.at(-1)?.next, null);
    assert.equal(newer[2]?.records[1]?.gap, true, "oldest first, the gap marker comes before the message of its number");
  });

  it("selects by topic as the bus does, by text without case, and by time", async () => {
    const dir = await journal();
    const door = await searchJournal(dir, { topic: "DOOR", limit: 200 });
    assert.ok(door.records.every((record) => record.message.startsWith("DOOR: ") || record.gap));
    assert.equal(door.records.filter((record) => !record.gap).length, 30, "DOORBELL is another topic");
    assert.equal(door.next, null);
    const withColon = await searchJournal(dir, { topic: "DOOR:", limit: 200 });
    assert.deepEqual(withColon.records, door.records);
    const open = await searchJournal(dir, { topic: "DOOR: front open", limit: 200 });
    assert.equal(open.records.filter((record) => !record.gap).length, 15);
    const text = await searchJournal(dir, { text: "FrOnT CLOSED 2", limit: 200 });
    assert.deepEqual(
      text.records.filter((record) => !record.gap).map((record) => record.seq),
      [290, 270, 250, 230, 210],
    );
    const window = await searchJournal(dir, { topic: "KEY", since: T0 + 100_000, until: T0 + 120_000 });
    assert.deepEqual(seqs(window), [117, 114, 111, 108, 105, 102], "120 is a DOOR message; the gap marker was journaled at T0");
  });

  it("stops at its budget and goes on from there, losing and repeating nothing", async () => {
    const dir = await journal();
    const everything = (await allPages(dir, { limit: 200 })).flatMap((page) => page.records);
    const pages = await allPages(dir, { limit: 200 }, { maxScanBytes: 500 });
    assert.ok(pages.length > 5, `${pages.length} pages`);
    assert.ok(pages.slice(0, -1).every((page) => page.truncated && page.records.length < 200));
    assert.deepEqual(
      pages.flatMap((page) => page.records),
      everything,
    );
    // By time: a clock that has run out at once still returns what one block held, and goes on.
    let tick = 0;
    const slow = await allPages(dir, { topic: "DOOR" }, { now: () => (tick += 5000) });
    assert.deepEqual(
      slow.flatMap((page) => page.records),
      (await searchJournal(dir, { topic: "DOOR", limit: 200 })).records,
    );
    const after = await allPages(dir, { after: 0, limit: 200 }, { maxScanBytes: 500 });
    assert.ok(after.length > 5);
    assert.deepEqual(
      after.flatMap((page) => page.records),
      [...everything].reverse().filter((record) => record.seq > 0),
    );
  });

  it("refuses arguments that are not a query as bad-request", async () => {
    const dir = await journal();
    const refusals: Array<[unknown, RegExp]> = [
      [[], /expected an object/],
      ["DOOR", /expected an object/],
      [{ topic: "door" }, /topic: expected a topic/],
      [{ topic: 7 }, /topic: expected a string, got 7/],
      [{ topic: ":x" }, /topic: expected a topic/],
      [{ topic: "x".repeat(101) }, /at most 100/],
      [{ text: ["a"] }, /text: expected a string, got an array/],
      [{ limit: 0 }, /limit: expected an integer from 1 to 200, got 0/],
      [{ limit: 201 }, /limit/],
      [{ limit: 1.5 }, /limit/],
      [{ limit: "10" }, /limit/],
      [{ before: -1 }, /before: expected a sequence number/],
      [{ after: 1.5 }, /after: expected a sequence number/],
      [{ before: 5, after: 1 }, /got both/],
      [{ since: Number.NaN }, /since: expected a time/],
      [{ until: null }, /until: expected a time in ms since the epoch, got null/],
      [{ since: 10, until: 5 }, /since at or before until/],
      [{ topics: "DOOR" }, /expected arguments among .*got "topics"/],
    ];
    for (const [args, message] of refusals) {
      await assert.rejects(searchJournal(dir, args), (error: unknown) => {
        assert.ok(error instanceof RequestRefused, `${JSON.stringify(args)}: ${String(error)}`);
        assert.equal(error.code, "bad-request");
        assert.match(error.message, message);
        return true;
      });
    }
    assert.equal((await searchJournal(dir, undefined)).records.length, 100);
    assert.equal((await searchJournal(dir, { topic: "", text: "" })).records.length, 100, "empty fields are no filter");
  });

  it("answers an empty page for a journal that is not there", async () => {
    assert.deepEqual(await searchJournal(path.join(scratch(), "none"), {}), { records: [], next: null, truncated: false });
    assert.deepEqual(await searchJournal(path.join(scratch(), "none"), { after: 3 }), { records: [], next: null, truncated: false });
  });

  it("shows a long message cut, and no raw bytes", async () => {
    const dir = scratch();
    const writer = await JournalWriter.open({
      dir,
      segmentBytes: 1 << 20,
      maxBytes: 8 << 20,
      flushIntervalMs: DAY_MS,
      clock: new ManualClock(T0),
    });
    writer.append(encodeMessage([Buffer.from(`LOG: ${"\n".repeat(30_000)}`)]), 1, T0);
    await writer.close();
    const [record] = (await searchJournal(dir, {})).records;
    assert.ok(record && record.message.length < 2100, `${record?.message.length} characters`);
    assert.match(record?.message ?? "", /^LOG: (\\n)+\\?… \(60005 characters\)$/);
  });
});

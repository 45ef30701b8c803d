import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { ManualClock } from "@roomguard/runtime";
import { followJournal, readJournal, type JournalRecord, type ReadProblem } from "../src/reader.js";
import { JournalWriter, type JournalWriterOptions } from "../src/writer.js";
import { encodeMessage } from "../src/zmtp-frames.js";

const KiB = 1024;
const DAY_MS = 86_400_000;

function scratch(): string {
  return mkdtempSync(path.join(tmpdir(), "roomguard-retention-"));
}

async function all(dir: string, onProblem?: (problem: ReadProblem) => void): Promise<JournalRecord[]> {
  const records: JournalRecord[] = [];
  for await (const record of readJournal(dir, onProblem ? { onProblem } : {})) records.push(record);
  return records;
}

const textOf = (record: JournalRecord): string => record.frames[0]?.toString() ?? "";

/** Every file under `dir`, kept lanes included, and their bytes. */
function filesUnder(dir: string): Array<{ file: string; bytes: number }> {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .map((file) => path.join(dir, file))
    .filter((file) => statSync(file).isFile())
    .map((file) => ({ file, bytes: statSync(file).size }));
}

function writer(dir: string, overrides: Partial<JournalWriterOptions> = {}): Promise<JournalWriter> {
  return JournalWriter.open({
    dir,
    segmentBytes: 64 * KiB,
    maxBytes: 1024 * KiB,
    flushIntervalMs: 200,
    protectedTopics: ["DOOR", "KEY"],
    protectedTopicBytes: 64 * KiB,
    ...overrides,
  });
}

function append(journal: JournalWriter, text: string, timeMs = Date.now()): void {
  journal.append(encodeMessage([Buffer.from(text)]), 1, timeMs);
}

describe("the journal's retention", () => {
  it("a burst of 1,000 × 64 KiB on any topic leaves the earlier DOOR and KEY entries, and counts what it pushed out", async () => {
    const dir = scratch();
    const journal = await writer(dir);
    const earlier = ["DOOR: front open", "KEY: 1", "KEY: 2", "DOOR: front closed", "KEY: ENTER"];
    for (const text of earlier) {
      append(journal, text);
      append(journal, "HEARTBEAT: keypad {}");
    }
    await journal.flush();
    const filler = "x".repeat(64 * KiB);
    for (let i = 0; i < 1000; i++) {
      append(journal, `JUNK: ${i} ${filler}`);
      if (i % 50 === 49) await journal.flush();
    }
    await journal.close();

    const records = await all(dir);
    const texts = records.map(textOf);
    assert.deepEqual(
      texts.filter((text) => text.startsWith("DOOR:") || text.startsWith("KEY:")),
      earlier,
    );
    assert.ok(!texts.includes("HEARTBEAT: keypad {}"), "unprotected history went, oldest first");
    assert.ok(texts.at(-1)?.startsWith("JUNK: 999 "), "the newest messages are there");
    for (let i = 1; i < records.length; i++) assert.ok((records[i]?.seq ?? 0) > (records[i - 1]?.seq ?? 0), "in sequence order");
    const { evicted, keptMessages, bytes } = journal.stats;
    assert.equal(keptMessages, earlier.length);
    assert.ok(evicted.size > 900, `the pushed-out messages are counted: ${evicted.size}`);
    const onDisk = filesUnder(dir).reduce((sum, file) => sum + file.bytes, 0);
    assert.equal(bytes, onDisk);
    assert.ok(onDisk <= 1024 * KiB + 64 * KiB + 64 * KiB, `the journal holds ${onDisk} bytes`);
  });

  it("a flood of one protected topic pushes out that topic's own past, not another's", async () => {
    const dir = scratch();
    const journal = await writer(dir, { protectedTopicBytes: 16 * KiB, maxBytes: 512 * KiB });
    append(journal, "DOOR: front open");
    append(journal, "KEY: first");
    await journal.flush();
    for (let i = 0; i < 20_000; i++) {
      append(journal, `KEY: ${i} ${"k".repeat(40)}`);
      if (i % 1000 === 999) await journal.flush();
    }
    await journal.close();
    const texts = (await all(dir)).map(textOf);
    assert.ok(texts.includes("DOOR: front open"), "another protected topic keeps its past");
    assert.ok(!texts.includes("KEY: first"), "the flooded topic's oldest entries went");
    assert.ok(journal.stats.evicted.size > 0);
    const keyLane = filesUnder(path.join(dir, "kept", "KEY")).reduce((sum, file) => sum + file.bytes, 0);
    assert.ok(keyLane <= 16 * KiB + 4 * KiB, `the KEY lane holds ${keyLane} bytes, over its budget`);
  });

  it("deletes segments older than the age limit, kept lanes included, and counts them", async () => {
    const dir = scratch();
    const clock = new ManualClock(Date.now() - 10 * DAY_MS);
    // (A flush timer of a day: advancing the manual clock fires every timer due on the way.)
    const journal = await writer(dir, {
      clock,
      flushIntervalMs: DAY_MS,
      maxAgeMs: 3 * DAY_MS,
      maxBytes: 256 * KiB,
      segmentBytes: 16 * KiB,
      protectedTopicBytes: 16 * KiB,
    });
    append(journal, "DOOR: back open", clock.now());
    for (let i = 0; i < 400; i++) append(journal, `OLD: ${i} ${"o".repeat(1000)}`, clock.now());
    await journal.flush();
    clock.advance(5 * DAY_MS);
    for (let i = 0; i < 20; i++) append(journal, `NEW: ${i} ${"n".repeat(1000)}`, clock.now());
    await journal.flush();
    await journal.close();
    const texts = (await all(dir)).map(textOf);
    // A segment goes once its newest message is too old: the one the new messages began in stays.
    const old = texts.filter((text) => text.startsWith("OLD:"));
    assert.ok(old.length <= 16, `${old.length} old messages are left, more than a segment holds`);
    assert.ok(!texts.includes("DOOR: back open"), "protected ones age out too");
    assert.ok(texts.includes("NEW: 19 " + "n".repeat(1000)));
    assert.ok(journal.stats.evicted.age > 0, "deletions for age are counted");
  });

  it("reads protected, kept messages first and then follows new ones", async () => {
    const dir = scratch();
    const journal = await writer(dir, { maxBytes: 512 * KiB });
    append(journal, "DOOR: kept");
    for (let i = 0; i < 100; i++) append(journal, `FILL: ${i} ${"f".repeat(8 * KiB)}`);
    await journal.flush();
    const controller = new AbortController();
    const seen: string[] = [];
    const following = (async () => {
      for await (const record of followJournal(dir, { signal: controller.signal, pollMs: 20 })) {
        seen.push(textOf(record));
        if (textOf(record) === "LAST: now") controller.abort();
      }
    })();
    append(journal, "LAST: now");
    await journal.close();
    await following;
    assert.equal(seen[0], "DOOR: kept");
    assert.equal(seen.at(-1), "LAST: now");
    assert.equal(new Set(seen).size, seen.length, "nothing twice");
  });

  it("says which files it could not read, and reads the others", async () => {
    const dir = scratch();
    const journal = await writer(dir);
    append(journal, "A: fine");
    await journal.close();
    writeFileSync(path.join(dir, "journal-0000000000000000.rgj.bak"), "ignored: not a segment name");
    writeFileSync(path.join(dir, "journal-9000000000000000.rgj"), "not a segment at all");
    const problems: ReadProblem[] = [];
    const texts = (await all(dir, (problem) => problems.push(problem))).map(textOf);
    assert.deepEqual(texts, ["A: fine"]);
    assert.equal(problems.length, 1);
    assert.match(problems[0]?.message ?? "", /not a journal segment/);
    await assert.rejects(all(dir), /not a journal segment/, "without onProblem, reading fails");
  });
});

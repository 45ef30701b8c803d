import assert from "node:assert/strict";
import { appendFileSync, mkdtempSync, readdirSync, statSync, truncateSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { ManualClock } from "@roomguard/runtime";
import { followJournal, readJournal, type JournalRecord } from "../src/reader.js";
import { renderBytes } from "../src/render.js";
import { JournalWriter, type JournalWriterOptions } from "../src/writer.js";
import { encodeMessage, scanFrames } from "../src/zmtp-frames.js";

const MiB = 1024 * 1024;

function scratch(): string {
  return mkdtempSync(path.join(tmpdir(), "roomguard-journal-"));
}

/** Whole messages as ZMTP frames, as the router's tap hands them over. */
function messages(...texts: Array<string | Buffer | Buffer[]>): { payload: Buffer; count: number } {
  const parts = texts.map((text) => encodeMessage(Array.isArray(text) ? text : [typeof text === "string" ? Buffer.from(text) : text]));
  return { payload: Buffer.concat(parts), count: texts.length };
}

async function all(dir: string, options = {}): Promise<JournalRecord[]> {
  const records: JournalRecord[] = [];
  for await (const record of readJournal(dir, options)) records.push(record);
  return records;
}

function texts(records: JournalRecord[]): string[] {
  return records.map((record) => record.frames.map((frame) => frame.toString()).join("|"));
}

async function openWriter(dir: string, overrides: Partial<JournalWriterOptions> = {}): Promise<JournalWriter> {
  return JournalWriter.open({ dir, segmentBytes: 64 * 1024, maxBytes: 256 * 1024, flushIntervalMs: 200, ...overrides });
}

describe("JournalWriter and readJournal", () => {
  it("stores messages with sequence numbers and times, and reads them back", async () => {
    const dir = scratch();
    const writer = await openWriter(dir);
    const first = messages("KEY: LEFT", "KEY: RIGHT");
    assert.equal(writer.append(first.payload, first.count, 1000), 0);
    const second = messages("DOOR: open");
    assert.equal(writer.append(second.payload, second.count, 2000), 2);
    await writer.close();
    const records = await all(dir);
    assert.deepEqual(texts(records), ["KEY: LEFT", "KEY: RIGHT", "DOOR: open"]);
    assert.deepEqual(
      records.map((record) => [record.seq, record.timeMs]),
      [
        [0, 1000],
        [1, 1000],
        [2, 2000],
      ],
    );
    assert.equal(writer.stats.writtenMessages, 3);
  });

  it("writes segments the group may read but not write, whatever the umask (the Pi's service runs with UMask=0007)", async () => {
    const dir = scratch();
    const umask = process.umask(0o007);
    try {
      const writer = await openWriter(dir);
      const one = messages("KEY: LEFT");
      writer.append(one.payload, one.count, 1000);
      await writer.close();
    } finally {
      process.umask(umask);
    }
    const segments = readdirSync(dir, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile());
    assert.ok(segments.length > 0);
    for (const segment of segments) assert.equal(statSync(path.join(segment.parentPath, segment.name)).mode & 0o777, 0o640, segment.name);
  });

  it("keeps multi-frame messages whole and non-UTF-8 bytes exactly", async () => {
    const dir = scratch();
    const writer = await openWriter(dir);
    const binary = Buffer.from([0x4b, 0x45, 0x59, 0x3a, 0x20, 0xff, 0xfe, 0x00, 0x0a]);
    const batch = messages([Buffer.from("A: 1"), Buffer.from("part two")], binary, Buffer.alloc(300, 0x41));
    writer.append(batch.payload, batch.count, 5);
    await writer.close();
    const records = await all(dir);
    assert.equal(records.length, 3);
    assert.deepEqual(records[0]?.frames.map(String), ["A: 1", "part two"]);
    assert.deepEqual(records[1]?.frames[0], binary);
    assert.equal(records[2]?.frames[0]?.length, 300);
  });

  it("continues the sequence after a restart", async () => {
    const dir = scratch();
    const first = await openWriter(dir);
    const batch = messages("A: 1", "A: 2", "A: 3");
    first.append(batch.payload, batch.count, 1);
    await first.close();
    const second = await openWriter(dir);
    assert.equal(second.stats.nextSeq, 3);
    const more = messages("A: 4");
    assert.equal(second.append(more.payload, more.count, 2), 3);
    await second.close();
    assert.deepEqual(
      (await all(dir)).map((record) => record.seq),
      [0, 1, 2, 3],
    );
  });

  it("rotates segments and deletes the oldest beyond maxBytes", async () => {
    const dir = scratch();
    const writer = await openWriter(dir, { segmentBytes: 64 * 1024, maxBytes: 256 * 1024 });
    const big = Buffer.alloc(1000, 0x42);
    for (let i = 0; i < 1000; i++) {
      const batch = messages(Buffer.concat([Buffer.from(`N: ${String(i).padStart(6, "0")} `), big]));
      writer.append(batch.payload, batch.count, i);
      if (i % 20 === 0) await writer.flush();
    }
    await writer.close();
    const files = readdirSync(dir);
    const total = files.reduce((sum, file) => sum + statSync(path.join(dir, file)).size, 0);
    assert.ok(files.length >= 3, `expected several segments, got ${files.length}`);
    assert.ok(total <= 256 * 1024 + 32 * 1024, `journal is ${total} bytes, over maxBytes`);
    const records = await all(dir);
    assert.equal(records.at(-1)?.seq, 999);
    assert.ok(records[0] && records[0].seq > 0, "the oldest messages were rotated out");
    // What is left is contiguous.
    records.forEach((record, index) => assert.equal(record.seq, (records[0]?.seq ?? 0) + index));
  });

  it("stays within maxBytes when a single block is larger than a segment (a burst read at once)", async () => {
    const dir = scratch();
    const writer = await openWriter(dir, { segmentBytes: 64 * 1024, maxBytes: 256 * 1024 });
    try {
      for (let i = 0; i < 20; i++) {
        const burst = messages(Buffer.concat([Buffer.from(`N: ${i} `), Buffer.alloc(90 * 1024, 0x42)]));
        writer.append(burst.payload, burst.count, i);
        await writer.flush();
        const total = readdirSync(dir).reduce((sum, file) => sum + statSync(path.join(dir, file)).size, 0);
        assert.ok(total <= 256 * 1024, `after burst ${i} the journal is ${total} bytes, over maxBytes`);
      }
    } finally {
      await writer.close();
    }
    assert.equal((await all(dir)).at(-1)?.seq, 19);
  });

  it("writes on its timer, at most flushIntervalMs after an append", async () => {
    const dir = scratch();
    const clock = new ManualClock();
    const writer = await JournalWriter.open({ dir, segmentBytes: MiB, maxBytes: 4 * MiB, flushIntervalMs: 200, clock });
    const batch = messages("KEY: UP");
    writer.append(batch.payload, batch.count, clock.now());
    clock.advance(199);
    await writer.whenWritten();
    assert.equal(writer.stats.writtenMessages, 0);
    clock.advance(1);
    await writer.whenWritten();
    assert.equal(writer.stats.writtenMessages, 1);
    assert.deepEqual(texts(await all(dir)), ["KEY: UP"]);
    await writer.close();
  });

  it("reads past a block torn by a crash; the next writer carries on after a gap marker", async () => {
    const dir = scratch();
    // (A manual clock: its flush timer must not keep the test process alive, as it is never closed.)
    const crashed = await openWriter(dir, { clock: new ManualClock() });
    const batch = messages("A: 1", "A: 2");
    crashed.append(batch.payload, batch.count, 1);
    await crashed.flush();
    const torn = messages("A: 3");
    crashed.append(torn.payload, torn.count, 2);
    await crashed.flush();
    // Killed without closing, in the middle of writing its last block.
    const [file] = readdirSync(dir);
    const full = path.join(dir, file ?? "");
    truncateSync(full, statSync(full).size - 3);
    assert.deepEqual(texts(await all(dir)), ["A: 1", "A: 2"]);
    const next = await openWriter(dir);
    assert.equal(next.stats.nextSeq, 2);
    const after = messages("A: 3 again");
    next.append(after.payload, after.count, 3);
    await next.close();
    const records = await all(dir);
    assert.deepEqual(texts(records), ["A: 1", "A: 2", "", "A: 3 again"]);
    assert.deepEqual(records[2]?.seq, 2);
    assert.equal(records[2]?.missing?.count, null, "how many were lost is not known");
    assert.match(records[2]?.missing?.reason ?? "", /stopped without closing the journal/);
  });

  it("marks no gap after a clean close", async () => {
    const dir = scratch();
    for (const text of ["R: 1", "R: 2", "R: 3"]) {
      const writer = await openWriter(dir);
      const batch = messages(text);
      writer.append(batch.payload, batch.count, 1);
      await writer.close();
    }
    const records = await all(dir);
    assert.deepEqual(texts(records), ["R: 1", "R: 2", "R: 3"]);
    assert.equal(readdirSync(dir).length, 1, "each run carries on in the same segment");
  });

  it("drops and counts messages when the disk cannot keep up, and marks where they were", async () => {
    const dir = scratch();
    const clock = new ManualClock();
    const writer = await JournalWriter.open({
      dir,
      segmentBytes: MiB,
      maxBytes: 4 * MiB,
      flushIntervalMs: 1000,
      maxPendingBytes: 100,
      clock,
    });
    const before = messages("A: 0");
    writer.append(before.payload, before.count, 1);
    const batch = messages("A: 1", "A: 2", "A: 3", "A: 4", "A: 5", "A: 6", "A: 7", "A: 8", "A: 9", "A: 10", "A: 11", "A: 12");
    writer.append(batch.payload, batch.count, 2);
    const more = messages("A: 13");
    writer.append(more.payload, more.count, 3);
    assert.equal(writer.stats.droppedMessages, 12);
    assert.equal(writer.stats.nextSeq, 14, "dropped messages keep their numbers");
    await writer.close();
    const records = await all(dir);
    assert.deepEqual(
      records.map((record) => [record.seq, record.frames[0]?.toString() ?? `missing ${String(record.missing?.count)}`]),
      [
        [0, "A: 0"],
        [1, "missing 12"],
        [13, "A: 13"],
      ],
    );
    assert.match(records[1]?.missing?.reason ?? "", /did not keep up/);
  });

  it("keeps many blocks of any size in order across its write buffers", async () => {
    const dir = scratch();
    const writer = await openWriter(dir, { segmentBytes: 4 * MiB, maxBytes: 64 * MiB });
    let seq = 0;
    for (let batch = 0; batch < 300; batch++) {
      const size = batch % 7 === 0 ? 40_000 : 1 + (batch % 13);
      const texts = Array.from({ length: size }, (_, i) => `B: ${seq + i}`);
      const { payload, count } = messages(...texts);
      writer.append(payload, count, batch);
      seq += count;
      if (batch % 50 === 0) await writer.flush();
    }
    await writer.close();
    const records = await all(dir);
    assert.equal(records.length, seq);
    records.forEach((record, i) => assert.equal(record.frames[0]?.toString(), `B: ${i}`));
  });

  it("filters by sequence number and time", async () => {
    const dir = scratch();
    const writer = await openWriter(dir);
    for (let i = 0; i < 5; i++) {
      const batch = messages(`T: ${i}`);
      writer.append(batch.payload, batch.count, 1000 * i);
    }
    await writer.close();
    assert.deepEqual(texts(await all(dir, { fromSeq: 3 })), ["T: 3", "T: 4"]);
    assert.deepEqual(texts(await all(dir, { sinceMs: 2000 })), ["T: 2", "T: 3", "T: 4"]);
    assert.deepEqual(await all(scratch()), []);
  });
});

describe("followJournal", () => {
  it("yields what is there, then new messages and new segments as they come", async () => {
    const dir = scratch();
    const writer = await openWriter(dir, { segmentBytes: 64 * 1024, maxBytes: 1024 * 1024 });
    const first = messages("F: 0");
    writer.append(first.payload, first.count, 1);
    await writer.flush();
    const controller = new AbortController();
    const seen: string[] = [];
    const following = (async () => {
      for await (const record of followJournal(dir, { signal: controller.signal, pollMs: 20 })) {
        seen.push(record.frames[0]?.toString() ?? "");
        if (seen.length === 202) controller.abort();
      }
    })();
    const filler = Buffer.alloc(1000, 0x46);
    for (let i = 1; i < 202; i++) {
      const batch = messages(Buffer.concat([Buffer.from(`F: ${i} `), filler]));
      writer.append(batch.payload, batch.count, 1 + i);
      if (i % 10 === 0) await writer.flush();
    }
    await writer.close();
    await following;
    assert.equal(seen.length, 202);
    assert.ok(readdirSync(dir).length > 1, "the follower crossed a segment boundary");
    assert.deepEqual(
      seen.map((text) => text.split(" ")[1]),
      Array.from({ length: 202 }, (_, i) => String(i)),
    );
  });
});

describe("scanFrames", () => {
  it("counts whole messages and leaves a cut-off one for later", () => {
    const whole = Buffer.concat([encodeMessage([Buffer.from("A: 1")]), encodeMessage([Buffer.from("B"), Buffer.from("C")])]);
    const cut = encodeMessage([Buffer.from("D: 4")]).subarray(0, 3);
    const scan = scanFrames(Buffer.concat([whole, cut]));
    assert.deepEqual(scan, { end: whole.length, messages: 2, payloadBytes: 6, hasCommands: false });
    const halfMultipart = encodeMessage([Buffer.from("X"), Buffer.from("Y")]).subarray(0, 3);
    assert.equal(scanFrames(halfMultipart).end, 0);
    const long = encodeMessage([Buffer.alloc(70_000)]);
    assert.deepEqual(scanFrames(long), { end: long.length, messages: 1, payloadBytes: 70_000, hasCommands: false });
    assert.equal(scanFrames(long.subarray(0, 20)).messages, 0);
  });
});

describe("renderBytes", () => {
  it("shows UTF-8 as it is and escapes what would break a line", () => {
    assert.equal(renderBytes(Buffer.from("TEMP: 21.5 °C ✓")), "TEMP: 21.5 °C ✓");
    assert.equal(renderBytes(Buffer.from("a\nb\tc\\d\x00")), "a\\nb\\tc\\\\d\\x00");
    assert.equal(renderBytes(Buffer.from([0x4b, 0xff, 0xc3, 0x28, 0xe2, 0x82])), "K\\xff\\xc3(\\xe2\\x82");
    assert.equal(renderBytes(Buffer.from([0xed, 0xa0, 0x80])), "\\xed\\xa0\\x80", "surrogates are not UTF-8");
  });
});

// Appending to a closed file is how a crash can leave garbage: the reader must skip it.
describe("a damaged tail", () => {
  it("stops at bytes that are not a block", async () => {
    const dir = scratch();
    const writer = await openWriter(dir);
    const batch = messages("OK: 1");
    writer.append(batch.payload, batch.count, 1);
    await writer.close();
    const [file] = readdirSync(dir);
    appendFileSync(path.join(dir, file ?? ""), Buffer.alloc(64, 0x7a));
    assert.deepEqual(texts(await all(dir)), ["OK: 1"]);
  });
});

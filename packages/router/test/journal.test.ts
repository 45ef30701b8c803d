import assert from "node:assert/strict";
import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { Publisher } from "zeromq";
import { readJournal, renderBytes, type JournalRecord } from "@roomguard/journal";
import { nextMatching, waitUntil } from "@roomguard/testing";
import { awaitSubscribed, eventuallyJournaled, nextMessage, sendUntilSeen } from "./helpers/bus-helpers.js";
import { routerFixture } from "./helpers/fixture.js";

const { router, client, joined } = routerFixture();

async function journal(dir: string): Promise<JournalRecord[]> {
  const records: JournalRecord[] = [];
  for await (const record of readJournal(dir)) records.push(record);
  return records;
}

function textsOf(records: JournalRecord[], prefix: string): string[] {
  return records.map((record) => record.frames[0]?.toString() ?? "").filter((text) => text.startsWith(prefix));
}

describe("the router's journal", { timeout: 30_000 }, () => {
  it("has every forwarded message within a second, numbered in order and timed", async () => {
    const r = await router({ config: { router: { journal: { flushIntervalMs: 1000 } } } });
    const { publisher, subscription: keys } = await joined(r.endpoints, "KEY:", "KEY: PROBE");
    const before = Date.now();
    for (let i = 0; i < 50; i++) await publisher.publish(`KEY: ${i}`);
    for (let i = 0; i < 50; i++) assert.equal((await nextMessage(keys)).text, `KEY: ${i}`);
    const forwardedAt = Date.now();
    await waitUntil(async () => textsOf(await journal(r.journalDir), "KEY: ").filter((t) => t !== "KEY: PROBE"), {
      what: "50 keys in the journal",
      until: (keys) => keys.length === 50,
      timeoutMs: 1500,
    });
    assert.ok(Date.now() - forwardedAt <= 1500);
    const records = (await journal(r.journalDir)).filter((record) => /^KEY: \d+$/.test(record.frames[0]?.toString() ?? ""));
    assert.deepEqual(
      records.map((record) => record.frames[0]?.toString()),
      Array.from({ length: 50 }, (_, i) => `KEY: ${i}`),
    );
    for (let i = 1; i < records.length; i++) assert.ok((records[i]?.seq ?? 0) > (records[i - 1]?.seq ?? 0));
    for (const record of records) assert.ok(record.timeMs >= before - 5 && record.timeMs <= Date.now());
  });

  it("stores bytes that are not UTF-8 exactly, and shows them escaped", async () => {
    const r = await router();
    const watcher = client(r.endpoints);
    const all = watcher.subscribeRaw("BIN");
    const raw = new Publisher();
    const bytes = Buffer.from([0x42, 0x49, 0x4e, 0x3a, 0x20, 0xff, 0xfe, 0x0a, 0xc3]);
    try {
      raw.connect(r.endpoints.in);
      await watcher.waitForRouter();
      await sendUntilSeen(
        () => raw.send(bytes),
        () => all.nextWithin(50),
        "the binary message through the router",
      );
    } finally {
      raw.close();
    }
    await eventuallyJournaled(r.journalDir, bytes);
    assert.equal(renderBytes(bytes), "BIN: \\xff\\xfe\\n\\xc3");
  });

  it("stays within maxBytes by rotating segments", async () => {
    const r = await router({
      config: { router: { journal: { segmentBytes: 65536, maxBytes: 262144, flushIntervalMs: 50, protectedTopics: [] } } },
    });
    // A subscriber must want FILL: for the publisher to send it at all.
    const { publisher } = await joined(r.endpoints, "FILL:", "FILL: probe");
    const filler = "f".repeat(1000);
    for (let i = 0; i < 1500; i++) {
      await publisher.publish(`FILL: ${i} ${filler}`);
      if (i % 100 === 99) await new Promise((resolve) => setTimeout(resolve, 60));
    }
    await waitUntil(async () => textsOf(await journal(r.journalDir), "FILL: 1499 ").length === 1, {
      what: "the last message in the journal",
      timeoutMs: 3000,
    });
    const files = readdirSync(r.journalDir);
    const total = files.reduce((sum, file) => sum + statSync(path.join(r.journalDir, file)).size, 0);
    assert.ok(files.length >= 3, `expected rotation, got ${files.length} segment(s)`);
    assert.ok(total <= 262144, `the journal holds ${total} bytes, more than maxBytes allows`);
    const fills = textsOf(await journal(r.journalDir), "FILL: ");
    assert.ok(!fills.includes(`FILL: 0 ${filler}`), "the oldest messages were rotated out");
  });

  it("keeps earlier DOOR and KEY entries through a burst of 1,000 × 64 KiB, and counts what the burst pushed out", async () => {
    const r = await router();
    const watcher = client(r.endpoints);
    const stats = watcher.subscribe("ROUTER: stats ");
    // Somebody must want the burst for it to be sent at all: an attacker can subscribe too.
    const { publisher } = await joined(r.endpoints, "JUNK:", "JUNK: probe");
    const { subscription: doors } = await joined(r.endpoints, "DOOR:", "DOOR: probe");
    const { subscription: keys } = await joined(r.endpoints, "KEY:", "KEY: probe");
    const earlier = ["DOOR: front open", "KEY: 1", "KEY: 2", "KEY: ENTER", "DOOR: front closed"];
    for (const text of earlier) await publisher.publish(text);
    for (const text of earlier) assert.equal((await nextMessage(text.startsWith("DOOR") ? doors : keys)).text, text);
    await eventuallyJournaled(r.journalDir, "DOOR: front closed");

    const filler = "x".repeat(64 * 1024 - 20);
    for (let i = 0; i < 1000; i++) await publisher.publish(`JUNK: ${String(i).padStart(4, "0")} ${filler}`);
    const evicted = await nextMatching(
      stats,
      "stats counting messages deleted for room",
      (message) => (JSON.parse(message.rest.slice("stats ".length)) as { journal: { evicted: { size: number } } }).journal.evicted.size > 0,
      15_000,
    );
    assert.ok(evicted);
    await r.waitForLog((line) => line.msg.startsWith("deleted the oldest journal segments"));
    const texts = textsOf(await journal(r.journalDir), "");
    assert.deepEqual(
      texts.filter((text) => earlier.includes(text)),
      earlier,
    );
    assert.ok(!texts.includes("JUNK: probe"), "what is not protected went, oldest first");
  });

  it("flushes on SIGTERM: what was forwarded is journaled before exit", async () => {
    const r = await router({ config: { router: { journal: { flushIntervalMs: 1000 } } } });
    const { publisher, subscription: keys } = await joined(r.endpoints, "LAST:", "LAST: probe");
    // Enough that the journal's reader is still busy when the last one reaches the subscriber.
    const count = 20_000;
    for (let i = 0; i < count; i++) void publisher.publish(`LAST: ${i}`);
    for (let i = 0; i < count; i++) await nextMessage(keys);
    assert.equal(await r.stop("SIGTERM"), 0);
    const records = await journal(r.journalDir);
    const lasts = textsOf(records, "LAST: ").filter((text) => text !== "LAST: probe");
    assert.equal(lasts.length, count);
    // The stop publishes a marker through the router and waits for the journal to read it.
    assert.match(records.at(-1)?.frames[0]?.toString() ?? "", /^ROUTER: stopping \{"pid":\d+,"at":\d+\}$/);
  });

  it("continues the sequence numbers after a restart", async () => {
    const first = await router();
    const { publisher, subscription: keys } = await joined(first.endpoints, "SEQ:", "SEQ: probe");
    await publisher.publish("SEQ: before");
    await nextMessage(keys);
    assert.equal(await first.stop(), 0);
    const lastBefore = (await journal(first.journalDir)).at(-1)?.seq ?? -1;
    const second = await router({ dir: first.dir });
    await awaitSubscribed(publisher, keys, "SEQ: probe again");
    await publisher.publish("SEQ: after");
    await nextMessage(keys);
    await second.stop();
    const records = await journal(first.journalDir);
    const after = records.find((record) => record.frames[0]?.toString() === "SEQ: after");
    assert.ok(after && after.seq > lastBefore, `seq ${String(after?.seq)} should follow ${lastBefore}`);
    assert.equal(new Set(records.map((record) => record.seq)).size, records.length, "no sequence number is used twice");
  });
});

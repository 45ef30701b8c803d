// Faults the router and its journal must report instead of hiding (issue 13, section 8): a full
// disk, a read-only journal directory, a router killed with SIGKILL, its leftovers.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { setTimeout as pause } from "node:timers/promises";
import { readJournal, type JournalRecord } from "@roomguard/journal";
import { nextMatching, waitUntil } from "@roomguard/testing";
import { eventuallyJournaled, nextMessage } from "./helpers/bus-helpers.js";
import { canMount, startConfinedRouter } from "./helpers/confined-router.js";
import { routerFixture } from "./helpers/fixture.js";

const { router, client, joined } = routerFixture();

interface Stats {
  dropped: { journal: number };
  journal: { problem: string | null; segments: number } | null;
}

function statsOf(message: { rest: string }): Stats {
  return JSON.parse(message.rest.slice("stats ".length)) as Stats;
}

async function journal(dir: string): Promise<JournalRecord[]> {
  const records: JournalRecord[] = [];
  for await (const record of readJournal(dir)) records.push(record);
  return records;
}

const NO_MOUNT = "needs root to mount a small or read-only file system in a private mount namespace";

describe("faults of the router's journal are reported, never hidden", { timeout: 60_000 }, () => {
  it("a full disk: forwarding goes on, no empty segment per flush, the problem in heartbeat and stats, a gap marker once there is room", async (t) => {
    if (!canMount) return t.skip(NO_MOUNT);
    // 256 KiB, half of it taken: the journal fills the rest.
    const r = await startConfinedRouter(`mount -t tmpfs -o size=256k tmpfs "$JOURNAL"; head -c 131072 /dev/zero > "$JOURNAL/filler"`, {
      config: { router: { journal: { segmentBytes: 65536, maxBytes: 1048576, flushIntervalMs: 50, protectedTopics: [] } } },
    });
    const watcher = client(r.endpoints);
    const beats = watcher.subscribe("HEARTBEAT: router ");
    const stats = watcher.subscribe("ROUTER: stats ");
    const { publisher, subscription: fills } = await joined(r.endpoints, "FILL:", "FILL: probe");
    for (let i = 0; i < 64; i++) await publisher.publish(`FILL: ${i} ${"f".repeat(4000)}`);
    for (let i = 0; i < 64; i++) assert.match((await nextMessage(fills)).text, new RegExp(`^FILL: ${i} `), "forwarding goes on");

    const problem = await nextMatching(beats, "a heartbeat with the journal's problem", (beat) => beat.text.includes("ENOSPC"), 10_000);
    assert.match(problem.text, /"problem":"cannot write the journal in .*: ENOSPC: no space left on device/);
    const failing = await nextMatching(
      stats,
      "stats with the journal's problem",
      (message) => statsOf(message).journal?.problem?.includes("ENOSPC") === true,
    );
    const segmentsWhenFull = readdirSync(r.seen(r.journalDir)).filter((name) => name.endsWith(".rgj"));
    // More flushes come and go on the full disk: messages are dropped, no file appears.
    for (let i = 0; i < 20; i++) await publisher.publish(`FILL: more ${i} ${"f".repeat(4000)}`);
    const dropped = statsOf(failing).dropped.journal;
    await nextMatching(
      stats,
      "stats counting the later messages as dropped",
      (message) => statsOf(message).dropped.journal >= dropped + 20,
    );
    assert.deepEqual(
      readdirSync(r.seen(r.journalDir)).filter((name) => name.endsWith(".rgj")),
      segmentsWhenFull,
    );
    for (const name of segmentsWhenFull) assert.ok(statSync(path.join(r.seen(r.journalDir), name)).size > 8, `${name} is an empty segment`);

    rmSync(r.seen(path.join(r.journalDir, "filler")));
    const healthy = await nextMatching(
      stats,
      "stats without a problem, once there is room",
      (message) => statsOf(message).journal?.problem === null,
      40_000,
    );
    await nextMatching(beats, "a heartbeat without the problem", (beat) => !beat.text.includes('"problem"'), 5000);
    await publisher.publish("FILL: after");
    await eventuallyJournaled(r.seen(r.journalDir), "FILL: after");
    const gaps = (await journal(r.seen(r.journalDir))).filter((record) => record.missing);
    assert.ok(gaps.length > 0, "the journal marks where messages are missing");
    for (const gap of gaps) assert.match(gap.missing?.reason ?? "", /ENOSPC/);
    const missing = gaps.reduce((sum, gap) => sum + (gap.missing?.count ?? 0), 0);
    assert.equal(missing, statsOf(healthy).dropped.journal, "the markers count every dropped message");
  });

  it("a read-only journal directory: the router forwards, and says in heartbeat and stats that it cannot journal", async (t) => {
    if (!canMount) return t.skip(NO_MOUNT);
    const r = await startConfinedRouter(`mount --bind "$JOURNAL" "$JOURNAL"; mount -o remount,ro,bind "$JOURNAL"`);
    const watcher = client(r.endpoints);
    const beats = watcher.subscribe("HEARTBEAT: router ");
    const stats = watcher.subscribe("ROUTER: stats ");
    const { publisher, subscription } = await joined(r.endpoints, "RO:", "RO: probe");
    await publisher.publish("RO: still forwarded");
    assert.equal((await nextMessage(subscription)).text, "RO: still forwarded");
    const beat = await nextMatching(beats, "a heartbeat with the journal's problem", (message) => message.text.includes("EROFS"), 10_000);
    assert.match(beat.text, /"problem":"cannot write the journal in .*: EROFS: read-only file system/);
    await nextMatching(
      stats,
      "stats with the journal's problem",
      (message) => statsOf(message).journal?.problem?.includes("EROFS") === true,
    );
    assert.deepEqual(readdirSync(r.seen(r.journalDir)), [], "nothing written");
  });

  it("kill -9 of the router: the next router's journal marks the gap, and every message lost lies in it", async (t) => {
    const first = await router({ config: { router: { journal: { flushIntervalMs: 1000 } } } });
    const { publisher, subscription } = await joined(first.endpoints, "N:", "N: probe");
    let sending = true;
    const sent = (async () => {
      // 200 messages a second, as in the report.
      for (let i = 0; sending; i++) {
        await publisher.publish(`N: ${i}`);
        await pause(5);
      }
    })();
    const received: number[] = [];
    while (received.length < 300) received.push(Number((await nextMessage(subscription)).text.slice(3)));
    await first.stop("SIGKILL");
    sending = false;
    await sent;
    // What the publisher still queued (sent between the kill and the loop's end) must not reach the
    // next router: nobody subscribes to N: there any more, so it is neither forwarded nor journaled.
    subscription.close();
    await publisher.close();

    const second = await router({ dir: first.dir });
    assert.equal(await second.stop("SIGTERM"), 0);
    const records = await journal(first.journalDir);
    const gap = records.findIndex((record) => record.missing);
    assert.ok(gap > 0, "a gap marker");
    assert.equal(records[gap]?.missing?.count, null, "how many is not known");
    assert.match(records[gap]?.missing?.reason ?? "", /stopped without closing the journal/);
    const journaled = new Set(
      records
        .slice(0, gap)
        .flatMap((record) => /^N: (\d+)$/.exec(record.frames[0]?.toString() ?? "")?.slice(1) ?? [])
        .map(Number),
    );
    assert.ok(
      !records.slice(gap).some((record) => /^N: \d+$/.test(record.frames[0]?.toString() ?? "")),
      "nothing of the first run after the marker",
    );
    const last = Math.max(-1, ...journaled);
    const lost = received.filter((n) => !journaled.has(n));
    assert.ok(
      lost.every((n) => n > last),
      `lost messages before the gap: ${lost.filter((n) => n <= last).join(", ")}`,
    );
    t.diagnostic(`journaled up to N: ${last}; ${lost.length} received messages lie in the gap`);
  });

  it("removes the tap directories of killed routers at start, and no other", async () => {
    const tmp = mkdtempSync(path.join(tmpdir(), "roomguard-tmp-"));
    const killed = await router({ env: { TMPDIR: tmp } });
    const tapOf = (pid: number | undefined): string | undefined =>
      readdirSync(tmp).find((name) => name.startsWith(`roomguard-router-${pid}-`));
    const leftover = tapOf(killed.child.pid);
    assert.ok(leftover, "the tap directory carries the router's pid");
    await killed.stop("SIGKILL");
    assert.ok(existsSync(path.join(tmp, leftover)), "SIGKILL leaves it behind");
    const alive = path.join(tmp, `roomguard-router-${process.pid}-Alive1`);
    const other = path.join(tmp, "roomguard-router-NoPid1");
    mkdirSync(alive);
    mkdirSync(other);

    const next = await router({ env: { TMPDIR: tmp } });
    const removed = await next.waitForLog((line) => line.msg === "removed the tap directory of a router that is gone");
    assert.equal(removed.dir, path.join(tmp, leftover));
    assert.ok(!existsSync(path.join(tmp, leftover)));
    assert.ok(existsSync(alive), "a live process's directory stays");
    assert.ok(existsSync(other), "a directory without a pid stays");
    assert.ok(tapOf(next.child.pid));
    assert.equal(await next.stop("SIGTERM"), 0);
    await waitUntil(() => tapOf(next.child.pid) === undefined, { what: "a clean stop removing its own tap directory" });
  });
});

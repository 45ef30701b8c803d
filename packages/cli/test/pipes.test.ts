// Output into pipes: complete or failed, never silently cut; a reader that leaves ends the command quietly.
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, mkdtempSync, openSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { encodeMessage, JournalWriter } from "@roomguard/journal";
import { statusBytes } from "@roomguard/runtime";
import { busRig, nextMatching, waitUntil } from "@roomguard/testing";

const CLI = fileURLToPath(new URL("../src/main.js", import.meta.url));
const children = new Set<ChildProcess>();
after(() => {
  for (const child of children) child.kill("SIGKILL");
});

/** `roomguard ARGS` with its stdout a pipe the test reads (or not) as it likes; stderr collected. */
function roomguard(args: string[]): { child: ChildProcess; stderr: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [CLI, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ROOMGUARD_CONFIG: "" },
  });
  children.add(child);
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  void exited.then(() => children.delete(child));
  return { child, stderr: () => stderr, exited };
}

/** A journal of `count` messages `KEY: <n>`, padded to `bytes`, written by the router's own writer. */
async function journalOf(count: number, bytes = 0): Promise<string> {
  const dir = path.join(mkdtempSync(path.join(tmpdir(), "roomguard-pipes-")), "journal");
  const writer = await JournalWriter.open({ dir, segmentBytes: 4 << 20, maxBytes: 1 << 30, flushIntervalMs: 50, maxPendingBytes: 1 << 30 });
  for (let n = 0; n < count; n++)
    writer.append(encodeMessage([Buffer.from(bytes > 0 ? `KEY: ${n} `.padEnd(bytes, "x") : `KEY: ${n}`)]), 1, Date.now());
  await writer.close();
  return dir;
}

/** Peak resident memory of a running process, in bytes (0 once it has gone). */
const peakMemory = (pid: number): number => statusBytes(pid, "VmHWM") ?? 0;

describe("roomguard's output into pipes", { timeout: 60_000 }, () => {
  it("journal through a slow pipe prints every line, and waits for the reader instead of buffering", async () => {
    const count = 40_000;
    const dir = await journalOf(count, 1600); // 64 MB of output
    const journal = roomguard(["journal", "--json", "--dir", dir]);
    const stdout = journal.child.stdout ?? assert.fail("no stdout");
    let text = "";
    let firstPeak = 0;
    let peak = 0;
    // The reader takes a chunk, then looks away for a moment: a pager, a slow network.
    stdout.on("data", (chunk: Buffer) => {
      text += chunk.toString();
      const now = peakMemory(journal.child.pid ?? 0);
      firstPeak ||= now;
      peak = Math.max(peak, now);
      stdout.pause();
      setTimeout(() => stdout.resume(), 1);
    });
    assert.equal(await journal.exited, 0, journal.stderr());
    assert.equal(journal.stderr(), "");
    const lines = text.split("\n").filter(Boolean);
    assert.equal(lines.length, count);
    lines.forEach((line, seq) => assert.equal((JSON.parse(line) as { seq: number }).seq, seq));
    // Not waiting for the reader held most of the output in memory (+200 MB); waiting, garbage comes and goes (+20 MB).
    const grew = Math.round((peak - firstPeak) / 1048576);
    assert.ok(grew < 64, `memory grew by ${grew} MB, as much as the output, while the reader was slow`);
  });

  it("journal | head -1 ends quietly: no stack trace, exit 141 as for SIGPIPE", async () => {
    const dir = await journalOf(20_000);
    const journal = roomguard(["journal", "--dir", dir]);
    const stdout = journal.child.stdout ?? assert.fail("no stdout");
    let text = "";
    await new Promise<void>((resolve) =>
      stdout.on("data", (chunk: Buffer) => {
        text += chunk.toString();
        if (text.includes("\n")) resolve();
      }),
    );
    stdout.destroy(); // as head does once it has its line
    assert.equal(await journal.exited, 141);
    assert.match(text, /^0 {2}\d{4}-\d\d-\d\d [\d:.]+ {2}KEY: 0\n/);
    assert.equal(journal.stderr(), "");
  });

  it("journal into a full disk fails, saying so (exit 1)", async () => {
    const dir = await journalOf(20_000);
    const full = openSync("/dev/full", "w");
    const child = spawn(process.execPath, [CLI, "journal", "--dir", dir], { stdio: ["ignore", full, "pipe"] });
    closeSync(full);
    let stderr = "";
    child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    assert.equal(code, 1);
    assert.equal(stderr, "roomguard: cannot write the output: ENOSPC: no space left on device, write\n");
  });

  it("tap into a closed pipe ends quietly", async () => {
    const rig = await busRig();
    const config = path.join(rig.dir, "tap.yaml");
    writeFileSync(config, JSON.stringify({ bus: rig.endpoints }));
    const tap = roomguard(["tap", "CLOSED:", "--config", config]);
    await rig.wanted("CLOSED: 1");
    (tap.child.stdout ?? assert.fail("no stdout")).destroy();
    // Each message is a write into the closed pipe; the first one ends it.
    for (let n = 0; n < 10; n++) await rig.client.publish(`CLOSED: ${n}`);
    assert.equal(await tap.exited, 141);
    assert.match(tap.stderr(), /^# tapping CLOSED: at ipc:\S+ \(Ctrl-C stops\)\n$/);
  });

  it("tap holds at most 16 MiB of messages it could not print yet: 1,000 of 60 KB drop the oldest", async () => {
    const rig = await busRig();
    const config = path.join(rig.dir, "tap.yaml");
    writeFileSync(config, JSON.stringify({ bus: rig.endpoints }));
    const count = 1000;
    const last = rig.client.subscribe(`BIG: ${count - 1} `);
    const tap = roomguard(["tap", "BIG:", "--config", config]);
    const stdout = tap.child.stdout ?? assert.fail("no stdout");
    stdout.pause();
    await rig.wanted("BIG: 1");
    for (let n = 0; n < count; n++) await rig.client.publish(`BIG: ${n} ${"x".repeat(60_000)}`);
    await nextMatching(last, `BIG: ${count - 1} to pass the router`, () => true, 10_000);
    let shown = 0;
    stdout.on("data", (chunk: Buffer) => (shown += chunk.toString().split("\n").length - 1));
    stdout.resume();
    // Until it has read them all (on a loaded machine ZeroMQ may still hold some): each was printed, or said dropped.
    const droppedSoFar = (): number => Math.max(0, ...[...tap.stderr().matchAll(/\((\d+) in all\)/g)].map((match) => Number(match[1])));
    await waitUntil(() => shown + droppedSoFar() >= count - 279 - 100, {
      what: "tap to print or drop all but what 16 MiB and the pipe hold",
      timeoutMs: 30_000,
    }).catch(() => undefined); // the assertion below says what came
    assert.match(tap.stderr(), /^# fell behind: dropped \d+ messages/m);
    tap.child.kill("SIGINT");
    assert.equal(await tap.exited, 0);
    const total = Number(/^# dropped (\d+) messages in all/m.exec(tap.stderr())?.[1]);
    // 16 MiB is 279 of them: the rest waited in the pipe, or were dropped.
    assert.ok(total >= count - 279 - 100 && shown + total <= count, `shown ${shown}, dropped ${total}, of ${count}`);
  });

  it("tap says when it falls behind and drops messages, and the total at the end", async () => {
    const rig = await busRig();
    const config = path.join(rig.dir, "tap.yaml");
    writeFileSync(config, JSON.stringify({ bus: rig.endpoints }));
    const count = 30_000;
    const last = rig.client.subscribe(`FLOOD: ${count - 1}`);
    const tap = roomguard(["tap", "FLOOD:", "--config", config]);
    const stdout = tap.child.stdout ?? assert.fail("no stdout");
    stdout.pause(); // nobody reads: the pipe fills, then tap's queue (10,000) does
    await rig.wanted("FLOOD: 1");
    for (let n = 0; n < count; n++) await rig.client.publish(`FLOOD: ${n}`);
    await nextMatching(last, `FLOOD: ${count - 1} to pass the router`, () => true, 10_000);
    let text = "";
    stdout.on("data", (chunk: Buffer) => (text += chunk.toString()));
    stdout.resume();
    await waitUntil(() => /^# fell behind: dropped (\d+) messages, the oldest waiting \(\1 in all\)$/m.test(tap.stderr()), {
      what: "tap to say it fell behind",
      timeoutMs: 10_000,
    });
    await rig.client.publish("FLOOD: end");
    await waitUntil(() => text.includes("FLOOD: end\n"), { what: "tap to show the last message", timeoutMs: 10_000 });
    tap.child.kill("SIGINT");
    assert.equal(await tap.exited, 0);
    const total = Number(/^# dropped (\d+) messages in all: the output could not keep up with the bus$/m.exec(tap.stderr())?.[1]);
    const shown = text.split("\n").filter(Boolean).length;
    assert.ok(total > 0 && shown + total <= count + 1, `shown ${shown}, dropped ${total}, of ${count + 1}`);
  });
});

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { ManualClock } from "../src/clock.js";
import { createLogger, ONCE_KEYS, ONCE_TEXT_CHARS } from "../src/log.js";

/** Heap in use after a full collection, in bytes. */
function heapAfterGc(): number {
  setFlagsFromString("--expose-gc");
  (runInNewContext("gc") as () => void)();
  return process.memoryUsage().heapUsed;
}

function parsed(line: string | undefined): Record<string, unknown> {
  return JSON.parse(line ?? "") as Record<string, unknown>;
}

function capture(isTTY = false): { lines: string[]; stream: { write(text: string): void; isTTY: boolean } } {
  const lines: string[] = [];
  return { lines, stream: { isTTY, write: (text: string) => lines.push(...text.split("\n").filter(Boolean)) } };
}

describe("createLogger", () => {
  it("writes one JSON object a line with service, namespace and fields", () => {
    const { lines, stream } = capture();
    const log = createLogger({ service: "router", stream, now: () => Date.UTC(2026, 10, 22, 11, 0, 0, 5) });
    log.child("journal").info("segment rotated", { seq: 42, file: "a.rgj" });
    assert.deepEqual(parsed(lines[0]), {
      time: "2026-11-22T11:00:00.005Z",
      level: "info",
      service: "router",
      ns: "journal",
      msg: "segment rotated",
      seq: 42,
      file: "a.rgj",
    });
  });

  it("serialises errors with their code and cause", () => {
    const { lines, stream } = capture();
    const error = Object.assign(new Error("bind failed", { cause: new Error("port in use") }), { code: "EADDRINUSE" });
    createLogger({ service: "router", stream }).error("cannot start", { error });
    assert.deepEqual(parsed(lines[0]).error, { message: "bind failed", code: "EADDRINUSE", cause: { message: "port in use" } });
  });

  it("drops lines below the level", () => {
    const { lines, stream } = capture();
    const log = createLogger({ service: "s", stream, level: "warn" });
    log.debug("a");
    log.info("b");
    log.warn("c");
    log.error("d");
    assert.deepEqual(
      lines.map((line) => parsed(line).msg),
      ["c", "d"],
    );
  });

  it("says a thing once per key, across children of one logger", () => {
    const { lines, stream } = capture();
    const log = createLogger({ service: "s", stream });
    for (let i = 0; i < 3; i++) log.once("info", "unknown-topic", "ignoring FOO: messages");
    log.child("x").once("info", "unknown-topic", "other part says it too");
    assert.equal(lines.length, 2);
  });

  it("once stays bounded for 4,000 distinct 32 KB unknown key names: a fixed memory, cut texts, one line when full", () => {
    let bytes = 0;
    const lines: string[] = [];
    const log = createLogger({ service: "music-player", stream: { write: (text: string) => ((bytes += text.length), lines.push(text)) } });
    const before = heapAfterGc();
    for (let i = 0; i < 4000; i++) {
      const name = `${i}`.padEnd(32 * 1024, "K");
      log.once("info", `key:${name}`, `ignoring key ${name}`, { key: name, hold: false, nested: { also: [name] } });
    }
    const grew = heapAfterGc() - before;
    assert.equal(lines.length, ONCE_KEYS + 1);
    assert.match(lines.at(-1) ?? "", /too many distinct problems to log each once/);
    const first = JSON.parse(lines[0] ?? "") as { msg: string; key: string; nested: { also: string[] } };
    assert.equal(first.key, `${"0".padEnd(ONCE_TEXT_CHARS, "K")}… (32768 characters)`);
    assert.ok(first.msg.length < ONCE_TEXT_CHARS + 30 && (first.nested.also[0] ?? "").length < ONCE_TEXT_CHARS + 30);
    assert.ok(bytes < 2_000_000, `wrote ${bytes} bytes of log`);
    assert.ok(grew < 10_000_000, `the logger kept ${grew} bytes (the keys alone are 131 MB)`);
    // Remembered, not forgotten: a known key stays quiet, whatever came since.
    log.once("info", `key:${"0".padEnd(32 * 1024, "K")}`, "again");
    assert.equal(lines.length, ONCE_KEYS + 1);
  });

  it("once cuts the texts of 500 distinct malformed 60 KB heartbeats", () => {
    let bytes = 0;
    const log = createLogger({ service: "launcher", stream: { write: (text: string) => (bytes += text.length) } });
    for (let i = 0; i < 500; i++) {
      const text = `HEARTBEAT: ${i} ${"{".repeat(60 * 1024)}`;
      log.once("warn", `heartbeat:${text.slice(0, 40)}`, "ignoring a malformed heartbeat", { example: text });
    }
    assert.ok(bytes < 500 * 1000, `wrote ${bytes} bytes of log (the examples alone are 30 MB)`);
  });

  it("once does not remember a line below the level", () => {
    const { lines, stream } = capture();
    const log = createLogger({ service: "s", stream, level: "info" });
    for (let i = 0; i < ONCE_KEYS + 10; i++) log.once("debug", `noise:${i}`, "unheard");
    log.once("warn", "real", "a real problem");
    assert.deepEqual(
      lines.map((line) => parsed(line).msg),
      ["a real problem"],
    );
  });

  it("is pretty on a terminal, and when asked", () => {
    const { lines, stream } = capture(true);
    const log = createLogger({ service: "router", stream, now: () => Date.UTC(2026, 0, 1, 9, 8, 7, 6) });
    log.child("stats").warn("slow", { rate: 5, note: "two words" });
    assert.match(lines[0] ?? "", /09:08:07\.006.*WARN.*router:stats {2}slow {2}rate=5 note='two words'/);
    const plain = capture(false);
    createLogger({ service: "s", stream: plain.stream, format: "pretty" }).info("hello");
    assert.match(plain.lines[0] ?? "", /^\d\d:\d\d:\d\d\.\d{3} INFO {2}s {2}hello$/);
  });
});

describe("ManualClock", () => {
  it("fires timeouts and intervals in order as time advances", () => {
    const clock = new ManualClock(0);
    const fired: string[] = [];
    clock.setInterval(() => fired.push(`tick@${clock.now()}`), 100);
    clock.setTimeout(() => fired.push(`once@${clock.now()}`), 150);
    const cancelled = clock.setTimeout(() => fired.push("never"), 50);
    clock.clearTimeout(cancelled);
    clock.advance(350);
    assert.deepEqual(fired, ["tick@100", "once@150", "tick@200", "tick@300"]);
    assert.equal(clock.now(), 350);
  });
});

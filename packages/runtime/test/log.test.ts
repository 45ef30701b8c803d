import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ManualClock } from "../src/clock.js";
import { createLogger } from "../src/log.js";

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

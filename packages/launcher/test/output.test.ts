import assert from "node:assert/strict";
import { appendFileSync, mkdtempSync, renameSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { ManualClock } from "@roomguard/runtime";
import { createChildOutput } from "../src/child-output.js";
import { followLog } from "../src/log-follower.js";

describe("following a service's log file", () => {
  it("passes on whole lines as they come, across a restart's rotation, and empties a full file", () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), "roomguard-follow-")), "keypad.log");
    writeFileSync(file, "old line from before\n");
    const clock = new ManualClock();
    const lines: string[] = [];
    const follower = followLog({ file, fromEnd: true, clock, maxBytes: 64, onLine: (line) => lines.push(line) });
    appendFileSync(file, "one\ntw");
    clock.advance(1000);
    assert.deepEqual(lines, ["one"], "the old output is not shown again; half a line waits");
    appendFileSync(file, "o\n");
    renameSync(file, `${file}.1`); // the service restarts: a new file
    writeFileSync(file, "three\n");
    clock.advance(1000);
    assert.deepEqual(lines, ["one", "two", "three"]);
    appendFileSync(file, `${"x".repeat(70)}\n`);
    clock.advance(1000);
    assert.equal(statSync(file).size, 0, "emptied once past maxBytes");
    appendFileSync(file, "four\n");
    clock.advance(1000);
    follower.stop();
    assert.deepEqual(lines.slice(3), ["x".repeat(70), "four"]);
  });

  it("waits for a file that does not exist yet", () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), "roomguard-follow-")), "sensors.log");
    const clock = new ManualClock();
    const lines: string[] = [];
    const follower = followLog({ file, fromEnd: true, clock, onLine: (line) => lines.push(line) });
    clock.advance(1000);
    writeFileSync(file, "hello\n");
    clock.advance(1000);
    follower.stop();
    assert.deepEqual(lines, ["hello"], "a file that appears later is read from its start");
  });
});

describe("showing a service's output", () => {
  const json = '{"time":"2026-12-01T10:00:00.000Z","level":"info","service":"keypad","msg":"pressed","key":"LEFT"}';

  it("not on a terminal: JSON stays JSON, anything else becomes a JSON line naming the service", () => {
    let text = "";
    const show = createChildOutput({ stream: { write: (chunk: string) => (text += chunk) }, pretty: false, colour: false, now: () => 0 });
    show("keypad", json);
    show("keypad", "    at Object.<anonymous> (main.js:1:1)");
    show("keypad", "");
    const [first, second, third] = text.split("\n");
    assert.equal(first, json);
    assert.deepEqual(JSON.parse(second ?? ""), {
      time: "1970-01-01T00:00:00.000Z",
      level: "info",
      service: "keypad",
      ns: "output",
      msg: "    at Object.<anonymous> (main.js:1:1)",
    });
    assert.equal(third, "");
  });

  it("on a terminal: the service's name in front, JSON shown pretty, colour only when asked", () => {
    let text = "";
    const show = createChildOutput({ stream: { write: (chunk: string) => (text += chunk) }, pretty: true, colour: false });
    show("keypad", json);
    show("music-player", "plain words");
    assert.equal(text, "keypad      │ 10:00:00.000 INFO  keypad  pressed  key=LEFT\nmusic-player│ plain words\n");
    let coloured = "";
    createChildOutput({ stream: { write: (chunk: string) => (coloured += chunk) }, pretty: true, colour: true })("keypad", json);
    const ESC = "\x1b";
    assert.ok(coloured.startsWith(`${ESC}[32mkeypad      │${ESC}[0m ${ESC}[90m10:00:00.000`), JSON.stringify(coloured));
  });
});

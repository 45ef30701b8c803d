import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createSimHal } from "@roomguard/hal/sim";
import { ManualClock } from "@roomguard/runtime";
import { ambiguousKeys } from "../src/ghosting.js";
import { createKeypadService } from "../src/service.js";
import { configWith, recordingLogger } from "./helpers.js";

const ROWS = [5, 6, 13, 19];
const COLUMNS = [16, 20, 21, 26];
const KEYS = [
  ["1", "2", "3", "A"],
  ["4", "5", "6", "B"],
  ["7", "8", "9", "C"],
  ["*", "0", "#", "D"],
];

function matrixOnSim(keypad: Record<string, unknown> = {}) {
  const clock = new ManualClock();
  const hal = createSimHal({ clock });
  const sent: string[] = [];
  const { log, lines } = recordingLogger();
  const service = createKeypadService({
    // The scanner's own tests: every key published, digits too (code entry has its own tests).
    keypad: configWith({ keypad: { mode: "matrix", codeEntry: { enabled: false }, ...keypad } }).keypad,
    hal,
    clock,
    log,
    publish: (text) => (sent.push(text), Promise.resolve()),
  });
  service.start();
  /** A finger on the key at row r, column c: it joins the row and column wires. */
  const cell = (key: string): [number, number] => {
    const r = KEYS.findIndex((row) => row.includes(key));
    return [ROWS[r] ?? -1, COLUMNS[KEYS[r]?.indexOf(key) ?? -1] ?? -1];
  };
  const press = (key: string) => hal.gpio.connect(...cell(key));
  const release = (key: string) => hal.gpio.disconnect(...cell(key));
  return { clock, hal, sent, lines, service, press, release };
}

describe("keypad: 4x4 matrix", () => {
  it("every key is read as its own name (KEY: 0 … KEY: 9, *, #, A–D)", () => {
    const k = matrixOnSim();
    for (const key of KEYS.flat()) {
      k.press(key);
      k.clock.advance(40);
      k.release(key);
      k.clock.advance(40);
    }
    assert.deepEqual(
      k.sent,
      KEYS.flat().map((key) => `KEY: ${key}`),
    );
    assert.deepEqual(k.hal.gpio.shorts, [], "open-drain rows never fight");
    k.service.stop();
  });

  it("a key must read pressed for the debounce window; a shorter touch is nothing", () => {
    const k = matrixOnSim({ debounceMs: 30 });
    k.press("5");
    k.clock.advance(20);
    k.release("5");
    k.clock.advance(100);
    assert.deepEqual(k.sent, []);
    k.press("5");
    k.clock.advance(40);
    assert.deepEqual(k.sent, ["KEY: 5"]);
    k.service.stop();
  });

  it("two keys held together are both reported", () => {
    const k = matrixOnSim();
    k.press("1");
    k.clock.advance(40);
    k.press("9");
    k.clock.advance(40);
    k.press("6"); // 1, 9 and 6 share no rectangle (1, 9 and 3 would: see below)
    k.clock.advance(40);
    assert.deepEqual(k.sent, ["KEY: 1", "KEY: 9", "KEY: 6"]);
    assert.deepEqual(k.service.status().held, ["1", "9", "6"]);
    k.service.stop();
  });

  it("three corners of a rectangle: refused as ghosting, never reported as a wrong key", () => {
    const k = matrixOnSim();
    k.press("1");
    k.clock.advance(40);
    k.press("2");
    k.clock.advance(40);
    k.press("4"); // the matrix now also reads 5, which nobody pressed
    k.clock.advance(200);
    assert.deepEqual(k.sent, ["KEY: 1", "KEY: 2"], "neither 4 nor the ghost 5");
    assert.equal(k.service.status().ghosting_refused, 1);
    assert.ok(
      k.lines.some((line) => /ghosting/.test(String(line.msg)) && line.keys === "4 digits"),
      "digits are counted, never named (a code)",
    );
    k.release("1");
    k.clock.advance(40);
    assert.deepEqual(k.sent, ["KEY: 1", "KEY: 2", "KEY: 4"], "once unambiguous, the held 4 counts");
    k.service.stop();
  });

  it("the ghosting rule: keys on a rectangle of pressed readings, and only those", () => {
    const reading = (keys: string[]) => KEYS.map((row) => row.map((key) => keys.includes(key)));
    const names = (cells: Set<string>) => [...cells].map((cell) => KEYS[Number(cell[0])]?.[Number(cell[2])]).sort();
    assert.deepEqual(names(ambiguousKeys(reading(["1", "2", "4", "5"]))), ["1", "2", "4", "5"]);
    assert.deepEqual(names(ambiguousKeys(reading(["1", "2", "4", "5", "9"]))), ["1", "2", "4", "5"]);
    assert.deepEqual(names(ambiguousKeys(reading(["1", "2", "3", "5"]))), []);
    assert.deepEqual(names(ambiguousKeys(reading(["1", "6", "*"]))), []);
  });

  it("scans at the configured interval", () => {
    const k = matrixOnSim({ matrix: { scanIntervalMs: 20 } });
    k.clock.advance(1000);
    assert.equal(k.service.status().scans, 50);
    k.service.stop();
  });
});

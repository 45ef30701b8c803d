import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { keypadConfigIssues } from "../src/check-config.js";
import { configWith } from "./helpers.js";

const issuesOf = (document: Record<string, unknown>): string[] =>
  keypadConfigIssues(configWith(document)).map((issue) => `${issue.path}: ${issue.message}`);

describe("keypad config checks", () => {
  it("the default config (buttons and matrix) is fine", () => {
    assert.deepEqual(issuesOf({}), []);
    assert.deepEqual(issuesOf({ keypad: { mode: "matrix" } }), []);
  });

  it("names a pin outside the header, and the reserved EEPROM pins", () => {
    assert.deepEqual(issuesOf({ keypad: { buttons: { LEFT: 40, RIGHT: 1 } } }), [
      "keypad.buttons.LEFT: expected a BCM GPIO on the 40-pin header (2-27), got 40",
      "keypad.buttons.RIGHT: expected a BCM GPIO on the 40-pin header (2-27), got 1: BCM 0 and 1 are reserved for the HAT ID EEPROM",
    ]);
  });

  it("names a pin used twice, by two keys or by a key and a sensor", () => {
    assert.deepEqual(issuesOf({ keypad: { buttons: { LEFT: 5, RIGHT: 5 } } }), [
      "keypad.buttons.RIGHT: BCM 5 (pin 29) is already used by keypad.buttons.LEFT: each pin can do one job",
    ]);
    assert.deepEqual(issuesOf({ keypad: { buttons: { LEFT: 25 } }, sensors: [{ id: "front-door", kind: "door", pin: 25 }] }), [
      'keypad.buttons.LEFT: BCM 25 (pin 22) is already used by sensor "front-door": each pin can do one job',
    ]);
    assert.deepEqual(issuesOf({ keypad: { mode: "matrix", matrix: { rows: [5, 6, 13, 19], columns: [16, 20, 21, 5] } } }), [
      "keypad.matrix.columns[3]: BCM 5 (pin 29) is already used by keypad.matrix.rows[0]: each pin can do one job",
    ]);
  });

  it("keeps BCM 2/3 for the I2C bus while I2C sensors are configured, and allows them otherwise", () => {
    assert.deepEqual(issuesOf({ keypad: { buttons: { LEFT: 2 } }, sensors: [{ id: "climate", kind: "bme280", i2cAddress: 0x76 }] }), [
      'keypad.buttons.LEFT: BCM 2 (pin 3, I2C SDA) is the I2C bus, used by sensor "climate": choose another pin',
    ]);
    assert.deepEqual(issuesOf({ keypad: { buttons: { LEFT: 2 } } }), []);
  });

  it("checks key names and the shape of the matrix key map", () => {
    assert.deepEqual(issuesOf({ keypad: { buttons: { "TWO WORDS": 5 } } }), [
      'keypad.buttons.TWO WORDS: expected a key name of letters, digits or * # + - . / _ (no spaces), got "TWO WORDS"',
    ]);
    assert.deepEqual(issuesOf({ keypad: { mode: "matrix", matrix: { keys: [["1", "2", "3"]] } } }), [
      "keypad.matrix.keys: expected 4 rows of 4 key names (one per row and column), got rows of 3",
    ]);
    const duplicate = [
      ["1", "2", "3", "A"],
      ["4", "5", "6", "B"],
      ["7", "8", "9", "C"],
      ["*", "0", "#", "1"],
    ];
    assert.deepEqual(issuesOf({ keypad: { mode: "matrix", matrix: { keys: duplicate } } }), [
      'keypad.matrix.keys[3][3]: key "1" appears twice: presses of the two could not be told apart',
    ]);
    assert.deepEqual(issuesOf({ keypad: { buttons: {} } }), ["keypad.buttons: expected at least one key, got none"]);
  });
});

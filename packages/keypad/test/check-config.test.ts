import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { keypadKeyNames } from "@roomguard/config";
import { planHardware } from "@roomguard/hal";
import { keypadConfigIssues, keypadHardware } from "../src/check-config.js";
import { configWith } from "./helpers.js";

const issuesOf = (document: Record<string, unknown>): string[] =>
  keypadConfigIssues(configWith(document).keypad).map((issue) => `${issue.path}: ${issue.message}`);

describe("keypad config checks", () => {
  it("the default config (buttons and matrix) is fine", () => {
    assert.deepEqual(issuesOf({}), []);
    assert.deepEqual(issuesOf({ keypad: { mode: "matrix" } }), []);
  });

  it("declares every button as an input with a pull-up, and the matrix rows as driven outputs", () => {
    assert.deepEqual(keypadHardware(configWith({ keypad: { buttons: { LEFT: 5 } } }).keypad), [
      { kind: "gpio", pin: 5, direction: "in", pull: "up", purpose: "button LEFT", key: "keypad.buttons.LEFT" },
    ]);
    const matrix = keypadHardware(configWith({ keypad: { mode: "matrix" } }).keypad);
    assert.deepEqual(
      matrix.map((use) => (use.kind === "gpio" ? `${use.key}=${use.pin} ${use.direction} ${use.pull}` : use.kind)),
      [
        "keypad.matrix.rows[0]=5 out none",
        "keypad.matrix.rows[1]=6 out none",
        "keypad.matrix.rows[2]=13 out none",
        "keypad.matrix.rows[3]=19 out none",
        "keypad.matrix.columns[0]=16 in up",
        "keypad.matrix.columns[1]=20 in up",
        "keypad.matrix.columns[2]=21 in up",
        "keypad.matrix.columns[3]=26 in up",
      ],
    );
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

  it("code entry: its keys must be keys of the keypad, not digits, and each command its own key", () => {
    const matrix = (codeEntry: Record<string, unknown>, more: Record<string, unknown> = {}) =>
      issuesOf({ keypad: { mode: "matrix", codeEntry, ...more } });
    const keys = "keypad.matrix.keys: 1 2 3 A 4 5 6 B 7 8 9 C * 0 # D";
    assert.deepEqual(matrix({ armNight: "E", panic: "F HOLD" }), [
      `keypad.codeEntry.armNight: expected a key of the keypad (${keys}), got "E"`,
      `keypad.codeEntry.panic: expected a key of the keypad (${keys}), got "F"`,
    ]);
    assert.deepEqual(matrix({ armHome: "A", clear: "#" }), [
      'keypad.codeEntry.armHome: "A" is keypad.codeEntry.armAway already: each needs a key of its own',
      'keypad.codeEntry.clear: "#" is keypad.codeEntry.disarm already: each needs a key of its own',
    ]);
    assert.deepEqual(matrix({ disarm: "0" }), [
      'keypad.codeEntry.disarm: expected a key that is not a digit (digits type the code), got "0"',
    ]);
    assert.deepEqual(matrix({ panic: "A" }), [
      'keypad.codeEntry.panic: "A" is keypad.codeEntry.armAway already: a panic key of its own, or "A HOLD"',
    ]);
    assert.deepEqual(matrix({ panic: "D" }), [], "a key of its own");
    assert.deepEqual(matrix({ panic: null }), []);
    assert.deepEqual(matrix({ panic: "* LONG" }), ['keypad.codeEntry.panic: expected a key name or "<KEY> HOLD", got "* LONG"']);
    assert.deepEqual(matrix({}, { holdMs: 0 }), ['keypad.codeEntry.panic: "* HOLD" needs keypad.holdMs above 0 (0: keys are never held)']);
  });

  it("code entry's keys are not checked when it is off, or when the keypad has no digits to type a code with", () => {
    assert.deepEqual(issuesOf({ keypad: { mode: "matrix", codeEntry: { enabled: false, armNight: "E" } } }), []);
    assert.deepEqual(issuesOf({ keypad: { codeEntry: { armNight: "E" } } }), [], "the five-way pad: no digits");
    assert.deepEqual(issuesOf({ keypad: { buttons: { "1": 5, "2": 6, ARM: 13, OFF: 19, CLR: 26 } } }), [
      'keypad.codeEntry.armAway: expected a key of the keypad (keypad.buttons: 1 2 ARM OFF CLR), got "A"',
      'keypad.codeEntry.armHome: expected a key of the keypad (keypad.buttons: 1 2 ARM OFF CLR), got "B"',
      'keypad.codeEntry.armNight: expected a key of the keypad (keypad.buttons: 1 2 ARM OFF CLR), got "C"',
      'keypad.codeEntry.disarm: expected a key of the keypad (keypad.buttons: 1 2 ARM OFF CLR), got "#"',
      'keypad.codeEntry.clear: expected a key of the keypad (keypad.buttons: 1 2 ARM OFF CLR), got "*"',
      'keypad.codeEntry.panic: expected a key of the keypad (keypad.buttons: 1 2 ARM OFF CLR), got "*"',
    ]);
  });

  describe("both mode: the buttons and the matrix at once", () => {
    /** The five-way pad on its default pins, the 4x4 matrix on pins of its own (hardware/keypad.md). */
    const BOTH = { mode: "both", matrix: { rows: [12, 13, 19, 26], columns: [22, 23, 27, 4] } };
    /** The hardware plan's refusals of the keypad's own pins, as `roomguard check` words them. */
    const planIssues = (keypad: Record<string, unknown>): string[] =>
      planHardware(keypadHardware(configWith({ keypad }).keypad).map((use) => ({ ...use, owner: "keypad" }))).issues.map(
        (issue) => `${issue.key}: ${issue.message}`,
      );

    it("declares the buttons' pins and the matrix's; on pins apart, nothing to refuse", () => {
      const keypad = configWith({ keypad: BOTH }).keypad;
      assert.deepEqual(
        keypadHardware(keypad).map((use) => (use.kind === "gpio" ? `${use.key}=${use.pin} ${use.direction} ${use.pull}` : use.kind)),
        [
          "keypad.buttons.LEFT=5 in up",
          "keypad.buttons.RIGHT=6 in up",
          "keypad.buttons.UP=16 in up",
          "keypad.buttons.DOWN=20 in up",
          "keypad.buttons.SELECT=21 in up",
          "keypad.matrix.rows[0]=12 out none",
          "keypad.matrix.rows[1]=13 out none",
          "keypad.matrix.rows[2]=19 out none",
          "keypad.matrix.rows[3]=26 out none",
          "keypad.matrix.columns[0]=22 in up",
          "keypad.matrix.columns[1]=23 in up",
          "keypad.matrix.columns[2]=27 in up",
          "keypad.matrix.columns[3]=4 in up",
        ],
      );
      assert.deepEqual(planIssues(BOTH), []);
      assert.deepEqual(issuesOf({ keypad: BOTH }), []);
      assert.deepEqual(keypadKeyNames(keypad), [
        ...["LEFT", "RIGHT", "UP", "DOWN", "SELECT"],
        ...["1", "2", "3", "A", "4", "5", "6", "B", "7", "8", "9", "C", "*", "0", "#", "D"],
      ]);
    });

    it("a pin of a button and of a matrix line is refused by the plan, naming both keys", () => {
      assert.deepEqual(planIssues({ ...BOTH, matrix: { ...BOTH.matrix, rows: [12, 13, 19, 21] } }), [
        "keypad.matrix.rows[3]: BCM 21 (pin 40) is already used by keypad.buttons.SELECT: each pin can do one job; choose another",
      ]);
      // The matrix's default pins are the five-way pad's (it replaces the pad in matrix mode).
      assert.deepEqual(planIssues({ mode: "both" }), [
        "keypad.matrix.rows[0]: BCM 5 (pin 29) is already used by keypad.buttons.LEFT: each pin can do one job; choose another",
        "keypad.matrix.rows[1]: BCM 6 (pin 31) is already used by keypad.buttons.RIGHT: each pin can do one job; choose another",
        "keypad.matrix.columns[0]: BCM 16 (pin 36) is already used by keypad.buttons.UP: each pin can do one job; choose another",
        "keypad.matrix.columns[1]: BCM 20 (pin 38) is already used by keypad.buttons.DOWN: each pin can do one job; choose another",
        "keypad.matrix.columns[2]: BCM 21 (pin 40) is already used by keypad.buttons.SELECT: each pin can do one job; choose another",
      ]);
    });

    it("a key name on a button and on the matrix is refused, naming both; each part is checked as in its own mode", () => {
      assert.deepEqual(issuesOf({ keypad: { ...BOTH, buttons: { LEFT: 5, A: 6, D: 16 } } }), [
        'keypad.matrix.keys[0][3]: key "A" is keypad.buttons.A already: presses of the two could not be told apart',
        'keypad.matrix.keys[3][3]: key "D" is keypad.buttons.D already: presses of the two could not be told apart',
      ]);
      assert.deepEqual(issuesOf({ keypad: { ...BOTH, buttons: { "TWO WORDS": 5 }, matrix: { ...BOTH.matrix, keys: [["1"]] } } }), [
        'keypad.buttons.TWO WORDS: expected a key name of letters, digits or * # + - . / _ (no spaces), got "TWO WORDS"',
        "keypad.matrix.keys: expected 4 rows of 4 key names (one per row and column), got rows of 1",
      ]);
      assert.deepEqual(issuesOf({ keypad: { ...BOTH, buttons: {} } }), ["keypad.buttons: expected at least one key, got none"]);
    });

    it("code entry's keys are looked up among the buttons and the matrix", () => {
      assert.deepEqual(issuesOf({ keypad: { ...BOTH, codeEntry: { disarm: "SELECT", panic: "D" } } }), [], "a button can be a command key");
      const keys = "keypad.buttons and keypad.matrix.keys: LEFT RIGHT UP DOWN SELECT 1 2 3 A 4 5 6 B 7 8 9 C * 0 # D";
      assert.deepEqual(issuesOf({ keypad: { ...BOTH, codeEntry: { armNight: "E" } } }), [
        `keypad.codeEntry.armNight: expected a key of the keypad (${keys}), got "E"`,
      ]);
      // Digits only on the buttons: code entry runs (and needs its keys) just the same.
      const digitButtons = {
        ...BOTH,
        buttons: { "1": 5, "2": 6 },
        matrix: {
          ...BOTH.matrix,
          keys: [
            ["A", "B"],
            ["C", "#"],
          ],
        },
      };
      assert.deepEqual(issuesOf({ keypad: { ...digitButtons, matrix: { ...digitButtons.matrix, rows: [12, 13], columns: [22, 23] } } }), [
        'keypad.codeEntry.clear: expected a key of the keypad (keypad.buttons and keypad.matrix.keys: 1 2 A B C #), got "*"',
        'keypad.codeEntry.panic: expected a key of the keypad (keypad.buttons and keypad.matrix.keys: 1 2 A B C #), got "*"',
      ]);
    });
  });
});

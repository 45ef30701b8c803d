import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { loadConfig, parseConfigText, type RoomguardConfig } from "@roomguard/config";
import { physicalPin } from "@roomguard/hal";
import { configWith } from "./helpers.js";

const doc = readFileSync(new URL("../../../../hardware/keypad.md", import.meta.url), "utf8");

/** The rows of the first Markdown table after `heading`, as cells (header and rule dropped). */
function tableAfter(heading: string): string[][] {
  const lines = doc.slice(doc.indexOf(heading)).split("\n");
  const table: string[] = [];
  for (const line of lines.slice(lines.findIndex((candidate) => candidate.startsWith("|")))) {
    if (!line.startsWith("|")) break;
    table.push(line);
  }
  return table.slice(2).map((line) =>
    line
      .split("|")
      .slice(1, -1)
      .map((cell) => cell.trim().replace(/\\\*/g, "*")),
  );
}

const loaded = (file: string): RoomguardConfig =>
  loadConfig({ configPath: fileURLToPath(new URL(`../../../../${file}`, import.meta.url)) }).config;

/** The page's example of `keypad.mode: both`: the first YAML block of its section. */
const bothSection = doc.slice(doc.indexOf("## Both"));
const bothExample = /```yaml\n([\s\S]*?)```/.exec(bothSection)?.[1] ?? assert.fail("no YAML example under ## Both");

/** The configs the page describes: the defaults, what the deploy installs, what `npm start` runs, its both-mode example. */
const CONFIGS: Array<[string, RoomguardConfig]> = [
  ["the default config", configWith({})],
  ["deploy/config.template.yaml", loaded("deploy/config.template.yaml")],
  ["roomguard.yaml", loaded("roomguard.yaml")],
  ["its example of both mode", configWith(parseConfigText(bothExample, "hardware/keypad.md").document)],
];

for (const [name, { keypad }] of CONFIGS) {
  describe(`hardware/keypad.md agrees with ${name}`, () => {
    it("buttons: each key's BCM and physical pin", () => {
      const rows = tableAfter("## Buttons").filter((cells) => cells[1] !== "");
      assert.deepEqual(
        rows.map(([key, bcm, physical]) => [key, Number(bcm), Number(physical)]),
        Object.entries(keypad.buttons).map(([key, bcm]) => [key, bcm, physicalPin(bcm)]),
      );
    });

    // In both mode the matrix is on pins of its own: the table of the "Both" section.
    it(`${keypad.mode === "both" ? "both" : "matrix"}: each row and column wire, and the keys on it`, () => {
      const { rows, columns, keys } = keypad.matrix;
      const expected = [
        ...rows.map((bcm, r) => [`row ${r + 1}`, bcm, physicalPin(bcm), (keys[r] ?? []).join(" ")]),
        ...columns.map((bcm, c) => [`column ${c + 1}`, bcm, physicalPin(bcm), keys.map((line) => line[c]).join(" ")]),
      ];
      assert.deepEqual(
        tableAfter(keypad.mode === "both" ? "## Both" : "## Matrix").map(([wire, bcm, physical, names]) => [
          wire,
          Number(bcm),
          Number(physical),
          names,
        ]),
        expected,
      );
    });
  });
}

describe("hardware/keypad.md's pin lists", () => {
  const { keypad } = configWith({});
  const prose = doc.replace(/\s+/g, " ");

  it("the pins shared by the pad and the matrix are the ones both use", () => {
    const match = /rows 1–2 on (\w+) and (\w+), columns 1–3 on (\w+), (\w+) and (\w+)/.exec(prose);
    assert.ok(match, "the sentence on shared pins");
    const named = match.slice(1).map((key) => keypad.buttons[key]);
    assert.deepEqual(named, [...keypad.matrix.rows.slice(0, 2), ...keypad.matrix.columns.slice(0, 3)]);
  });

  it("the matrix's rows 3 and 4 are the BCM pins it names", () => {
    const [, third, fourth] = /Rows 3 and 4 \(BCM (\d+) and (\d+)\)/.exec(prose) ?? [];
    assert.deepEqual([Number(third), Number(fourth)], keypad.matrix.rows.slice(2, 4));
  });

  it("the keys said to sit on pins pulled down at power-on are there", () => {
    const [, names = "", pins = ""] = /\(([A-Z, ]+ and [A-Z]+) on ([\d, ]+ and \d+)\)/.exec(prose) ?? [];
    const split = (list: string): string[] => list.split(/, | and /);
    assert.deepEqual(
      split(names).map((key) => keypad.buttons[key]),
      split(pins).map(Number),
    );
    // BCM 9–27 are pulled down at power-on (BCM2835/BCM2711 datasheets, the GPIO pads' reset state).
    for (const pin of split(pins).map(Number)) assert.ok(pin >= 9 && pin <= 27, `BCM ${pin}`);
    const pulledDown = Object.entries(keypad.buttons).filter(([, pin]) => pin >= 9);
    assert.deepEqual(
      pulledDown.map(([key]) => key),
      split(names),
    );
  });
});

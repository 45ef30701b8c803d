import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
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

describe("hardware/keypad.md agrees with the default config", () => {
  const { keypad } = configWith({});

  it("buttons: each key's BCM and physical pin", () => {
    const rows = tableAfter("## Buttons").filter((cells) => cells[1] !== "");
    assert.deepEqual(
      rows.map(([key, bcm, physical]) => [key, Number(bcm), Number(physical)]),
      Object.entries(keypad.buttons).map(([key, bcm]) => [key, bcm, physicalPin(bcm)]),
    );
  });

  it("matrix: each row and column wire, and the keys on it", () => {
    const { rows, columns, keys } = keypad.matrix;
    const expected = [
      ...rows.map((bcm, r) => [`row ${r + 1}`, bcm, physicalPin(bcm), (keys[r] ?? []).join(" ")]),
      ...columns.map((bcm, c) => [`column ${c + 1}`, bcm, physicalPin(bcm), keys.map((line) => line[c]).join(" ")]),
    ];
    assert.deepEqual(
      tableAfter("## Matrix").map(([wire, bcm, physical, names]) => [wire, Number(bcm), Number(physical), names]),
      expected,
    );
  });
});

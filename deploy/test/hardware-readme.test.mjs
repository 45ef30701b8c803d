// hardware/README.md's wiring table and the config the installer writes must agree: a pin in one
// and not the other would have a user wire a key where nothing reads it.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { loadConfig } from "../../packages/config/dist/src/index.js";
import { physicalPin } from "../../packages/hal/dist/src/index.js";
import { REPO } from "./rootfs.mjs";

const doc = readFileSync(path.join(REPO, "hardware/README.md"), "utf8");
const { config } = loadConfig({ configPath: path.join(REPO, "deploy/config.template.yaml") });

/** The wiring table's rows: part, signal, BCM, physical pin, other side, config. */
function wiringRows() {
  const lines = doc.slice(doc.indexOf("## Wiring")).split("\n");
  const start = lines.findIndex((line) => line.startsWith("|"));
  const rows = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith("|")) break;
    rows.push(
      line
        .split("|")
        .slice(1, -1)
        .map((cell) => cell.trim()),
    );
  }
  return rows;
}

/** The BCM pin a config key such as `keypad.buttons.LEFT` or `sensors[front].pin` holds. */
function configured(key) {
  const sensor = /^sensors\[(.+)\]\.(\w+)$/.exec(key);
  if (sensor) return config.sensors.find((entry) => entry.id === sensor[1])?.[sensor[2]];
  return key.split(".").reduce((value, part) => value?.[part], config);
}

describe("hardware/README.md agrees with deploy/config.template.yaml", () => {
  const rows = wiringRows();

  it("every row's physical pin is its BCM pin's", () => {
    assert.ok(rows.length >= 10);
    for (const [part, signal, bcm, physical] of rows) assert.equal(Number(physical), physicalPin(Number(bcm)), `${part} ${signal}`);
  });

  it("every pin the config uses is in the table, at the pin the config says", () => {
    const keyed = rows.filter((row) => row[5]?.startsWith("`")).map((row) => [row[5].slice(1, -1), Number(row[2])]);
    assert.deepEqual(
      keyed.map(([key]) => [key, configured(key)]),
      keyed,
    );
    const used = [
      ...Object.keys(config.keypad.buttons).map((key) => `keypad.buttons.${key}`),
      ...config.sensors.filter((entry) => "pin" in entry).map((entry) => `sensors[${entry.id}].pin`),
    ];
    assert.deepEqual(keyed.map(([key]) => key).sort(), used.sort());
  });
});

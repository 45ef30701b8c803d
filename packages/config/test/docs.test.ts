import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { loadConfig } from "../src/load.js";
import { configKeys, configReference } from "../src/reference.js";
import { validateConfig } from "../src/validate.js";

const repo = (file: string): string => fileURLToPath(new URL(`../../../../${file}`, import.meta.url));

describe("the documented config", () => {
  it("docs/configuration.md lists every key as the schema has it (run `pnpm run docs` when this fails)", () => {
    const doc = readFileSync(repo("docs/configuration.md"), "utf8");
    assert.ok(doc.includes(configReference()), "docs/configuration.md is stale: run `pnpm run docs`");
  });

  it("every key has a description and a default the schema accepts", () => {
    const defaults = validateConfig({});
    assert.ok(defaults.ok);
    for (const key of configKeys()) {
      assert.notEqual(key.description, "", `${key.path} has no description`);
      // No default only where the description says what not giving it means (the services: the registry's).
      if (key.default === undefined) assert.match(key.description, /Not given: /, `${key.path} has no default`);
    }
  });

  it("the repository's roomguard.yaml is valid and spells out the defaults it sets", () => {
    const loaded = loadConfig({ configPath: repo("roomguard.yaml"), env: {} });
    const defaults = validateConfig({});
    assert.ok(defaults.ok);
    // Except its sensors: the reference build's door, PIR and BME280, where the default is none…
    assert.ok(loaded.config.sensors.length > 0, "the appliance has sensors to try `roomguard sim gpio` on");
    // …and the alarm's demo: a user, zones on those sensors, short delays, the reference build's siren and buzzer.
    const { alarm } = loaded.config;
    assert.ok(alarm.users.length > 0 && alarm.zones.length > 0, "the demo can arm and trigger");
    const demo = {
      users: [],
      zones: [],
      exitDelayS: 30,
      entryDelayS: 30,
      sirenMaxS: 180,
      siren: { ...alarm.siren, pin: null },
      buzzer: { ...alarm.buzzer, pin: null },
    };
    // …and a keypad of both kinds, the matrix on pins clear of the buttons', so that the demo has the music's keys and digits.
    assert.equal(loaded.config.keypad.mode, "both");
    const keypad = {
      ...loaded.config.keypad,
      mode: "buttons",
      matrix: { ...loaded.config.keypad.matrix, rows: [5, 6, 13, 19], columns: [16, 20, 21, 26] },
    };
    // …and the dashboard's demo users, one per role.
    assert.deepEqual(
      loaded.config.web.users.map((user) => user.role),
      ["admin", "user", "viewer"],
    );
    const web = { ...loaded.config.web, users: [] };
    assert.deepEqual(
      { ...loaded.config, router: { ...loaded.config.router }, sensors: [], alarm: { ...alarm, ...demo }, keypad, web },
      defaults.config,
    );
  });
});

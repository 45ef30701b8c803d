// The pins the docs tell a Pi builder to wire (hardware/*.md, hardware/*.svg, docs/*.md) against
// the configs they describe (deploy/config.template.yaml, roomguard.yaml, the defaults), the
// sensor packages, the 40-pin header, and the config.txt lines deploy/boot-config.mjs writes. A pin
// in one place and not the other has somebody wire a part where nothing reads it.
//
// It lives here because this package sees the config, the header map and every sensor package;
// the config.txt lines come from running deploy/boot-config.mjs on the built workspace (`tsc -b`,
// which `npm test` runs first). keypad.md's key tables: packages/keypad/test/wiring-doc.test.ts.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { loadConfig, parseConfigText, validateConfig, type RoomguardConfig } from "@roomguard/config";
import { headerPin, I2C_PINS, physicalPin } from "@roomguard/hal";
import { checkOptions, hardwareOf, type SensorDefinition } from "@roomguard/sensor-kit";
import { checkWholeConfig } from "@roomguard/registry";
import { loadInstalledSensors, type SensorCatalog } from "../src/catalog.js";
import { prepareEntries } from "../src/entries.js";

const REPO = fileURLToPath(new URL("../../../../", import.meta.url));
const read = (file: string): string => readFileSync(path.join(REPO, file), "utf8");
const inDir = (dir: string, ext: string): string[] =>
  readdirSync(path.join(REPO, dir))
    .filter((name) => name.endsWith(ext))
    .map((name) => `${dir}/${name}`);
/** Every page a builder reads pins from, and the drawings. */
const PAGES = [...inDir("hardware", ".md"), ...inDir("docs", ".md"), ...inDir("hardware", ".svg")];
/** A page with its line breaks and indents as single spaces: prose wraps anywhere. */
const prose = (file: string): string => read(file).replace(/\s+/g, " ");

/** The BCM2835/BCM2711 hardware PWM channels on the 40-pin header (ALT0 on 12/13, ALT5 on 18/19). */
const PWM_CHANNEL: Readonly<Record<number, string>> = { 12: "PWM0", 18: "PWM0", 13: "PWM1", 19: "PWM1" };

/** The rows of the first Markdown table after `heading` in `doc`, as trimmed cells (header and rule dropped). */
function tableAfter(doc: string, heading: string): string[][] {
  const at = doc.indexOf(heading);
  assert.ok(at >= 0, `no "${heading}"`);
  const lines = doc.slice(at).split("\n");
  const rows: string[][] = [];
  for (const line of lines.slice(lines.findIndex((candidate) => candidate.startsWith("|")) + 2)) {
    if (!line.startsWith("|")) break;
    rows.push(
      line
        .split("|")
        .slice(1, -1)
        .map((cell) => cell.trim().replace(/\\\*/g, "*")),
    );
  }
  return rows;
}

/** `doc` from `heading` to the next heading of any level. */
function section(doc: string, heading: string): string {
  const at = doc.indexOf(heading);
  assert.ok(at >= 0, `no "${heading}"`);
  const rest = doc.slice(at + heading.length);
  const end = rest.search(/\n#+ /);
  return end < 0 ? rest : rest.slice(0, end);
}

const cell = (row: string[], index: number): string => row[index] ?? "";
/** The 1-Wire pin a sensor declares, if it is on that bus. */
const oneWirePinOf = (definition: SensorDefinition, options: unknown): number | undefined =>
  hardwareOf(definition, options).find((use) => use.kind === "1-wire")?.pin;
const bcmNumbers = (text: string): number[] => [...text.matchAll(/BCM (\d+)/g)].map((match) => Number(match[1]));

const template = loadConfig({ configPath: path.join(REPO, "deploy/config.template.yaml") }).config;
const checkout = loadConfig({ configPath: path.join(REPO, "roomguard.yaml") }).config;
const defaults = validateOrThrow({});

function validateOrThrow(document: unknown): RoomguardConfig {
  const result = validateConfig(document);
  if (!result.ok) throw new Error(`invalid config: ${JSON.stringify(result.issues)}`);
  return result.config;
}

const readme = read("hardware/README.md");
const sensorsDoc = read("hardware/sensors.md");
const wiring = tableAfter(readme, "## Wiring");
const plan = tableAfter(readme, "## Pin plan");
const sensorRows = tableAfter(sensorsDoc, "| sensor");
/** The config entry in a row of hardware/sensors.md's table (`{ id: hall, kind: pir, pin: 24 }`). */
function entryOf(row: string[]): RoomguardConfig["sensors"][number] {
  const [entry] = validateOrThrow(parseConfigText(`sensors:\n  - ${cell(row, 3).slice(1, -1)}\n`, "hardware/sensors.md").document).sensors;
  assert.ok(entry, cell(row, 0));
  return entry;
}

describe("every pin the docs name is that pin on the 40-pin header", () => {
  it("BCM n and its physical pin, in both orders and in the drawings", () => {
    let checked = 0;
    for (const page of PAGES) {
      const text = prose(page);
      const pairs = [
        ...[...text.matchAll(/BCM (\d+)(?: \(|, | · )pin (\d+)/g)].map((match) => [match[1], match[2], match[0]]),
        ...[...text.matchAll(/pin (\d+) \(BCM (\d+)\)/g)].map((match) => [match[2], match[1], match[0]]),
      ];
      for (const [bcm, physical, where] of pairs) {
        assert.equal(physicalPin(Number(bcm)), Number(physical), `${page}: "${where}"`);
        checked++;
      }
    }
    assert.ok(checked >= 30, `only ${checked} pin pairs found: did the wording change?`);
  });

  it("every GND, 3.3 V and 5 V pin named is one", () => {
    const supply: Record<string, string> = { GND: "GND", "3.3 V": "3V3", "3V3": "3V3", "5 V": "5V", "5V": "5V" };
    let checked = 0;
    for (const page of PAGES) {
      const text = prose(page);
      const found = [
        ...[...text.matchAll(/\b(GND|3\.3 V|5 V) \(pins? (\d+(?:(?:, | and | or )\d+)*)\)/g)].map((match) => [
          match[1],
          match[2],
          match[0],
        ]),
        ...[...text.matchAll(/\b(\d+) \((GND|3V3|5V)\)/g)].map((match) => [match[2], match[1], match[0]]),
      ];
      for (const [name = "", numbers = "", where] of found) {
        for (const physical of numbers.split(/, | and | or /))
          assert.equal(headerPin(Number(physical)), supply[name], `${page}: "${where}"`);
        checked++;
      }
    }
    assert.ok(checked >= 30, `only ${checked} supply pins found: did the wording change?`);
  });
});

describe("hardware/README.md's wiring table", () => {
  it("has each part's BCM pin at its physical pin", () => {
    assert.ok(wiring.length >= 12);
    for (const row of wiring) assert.equal(Number(cell(row, 3)), physicalPin(Number(cell(row, 2))), `${cell(row, 0)} ${cell(row, 1)}`);
  });

  it("has every pin deploy/config.template.yaml uses, at the pin it says", () => {
    const keyed = wiring
      .filter((row) => cell(row, 5).startsWith("`"))
      .map((row) => [cell(row, 5).slice(1, -1), Number(cell(row, 2))] as const);
    const configured = (key: string): unknown => {
      const sensor = /^sensors\[(.+)\]\.(\w+)$/.exec(key);
      if (sensor)
        return (template.sensors.find((entry) => entry.id === sensor[1]) as Record<string, unknown> | undefined)?.[sensor[2] ?? ""];
      return key.split(".").reduce<unknown>((value, part) => (value as Record<string, unknown> | undefined)?.[part], template);
    };
    assert.deepEqual(
      keyed.map(([key]) => [key, configured(key)]),
      keyed,
    );
    const used = [
      ...Object.keys(template.keypad.buttons).map((key) => `keypad.buttons.${key}`),
      ...template.sensors.filter((entry) => "pin" in entry).map((entry) => `sensors[${entry.id}].pin`),
      ...(["siren", "buzzer"] as const).filter((output) => template.alarm[output].pin !== null).map((output) => `alarm.${output}.pin`),
    ];
    assert.deepEqual(keyed.map(([key]) => key).sort(), used.sort());
  });

  it("wires each optional sensor to the pins hardware/sensors.md gives it", () => {
    const optional = wiring.filter((row) => cell(row, 5).startsWith("optional"));
    assert.ok(optional.length >= 4);
    for (const row of optional) {
      const documented = sensorRows.find((sensor) => cell(sensor, 0).startsWith(cell(row, 0)));
      assert.ok(documented, `hardware/sensors.md has no row for ${cell(row, 0)}`);
      assert.ok(bcmNumbers(cell(documented, 2)).includes(Number(cell(row, 2))), `${cell(row, 0)} ${cell(row, 1)}: BCM ${cell(row, 2)}`);
    }
  });
});

describe("hardware/README.md's pin plan", () => {
  it("lists each pin once, at its physical pin", () => {
    const pins = plan.map((row) => Number(cell(row, 0)));
    assert.equal(new Set(pins).size, pins.length);
    for (const row of plan) assert.equal(Number(cell(row, 1)), physicalPin(Number(cell(row, 0))), `BCM ${cell(row, 0)}`);
  });

  it("has the reference build's parts where the wiring table puts them", () => {
    assert.deepEqual(
      plan.filter((row) => cell(row, 2) !== "").map((row) => [Number(cell(row, 0)), cell(row, 2)]),
      wiring.map((row) => [Number(cell(row, 2)), `${cell(row, 0)} ${cell(row, 1)}`]).sort(([a], [b]) => Number(a) - Number(b)),
    );
  });

  it("has the matrix keypad where the default config, the template and roomguard.yaml put it", () => {
    // The checkout's `both` keypad has its matrix on pins of its own: packages/keypad/test/wiring-doc.test.ts
    // holds it to hardware/keypad.md's "Both" table.
    for (const config of [defaults, template, ...(checkout.keypad.mode === "both" ? [] : [checkout])])
      assert.deepEqual(config.keypad.matrix, defaults.keypad.matrix);
    const { rows, columns } = defaults.keypad.matrix;
    const expected = [...rows.map((bcm, r) => [bcm, `row ${r + 1}`]), ...columns.map((bcm, c) => [bcm, `column ${c + 1}`])];
    assert.deepEqual(
      plan.filter((row) => cell(row, 3) !== "").map((row) => [Number(cell(row, 0)), cell(row, 3)]),
      expected.sort(([a], [b]) => Number(a) - Number(b)),
    );
  });

  it("names the buses and PWM channels on their pins", async () => {
    const ds18b20 = (await loadInstalledSensors()).resolve("ds18b20");
    assert.ok(ds18b20);
    const checked = checkOptions(ds18b20, {});
    assert.ok(checked.ok);
    const oneWirePin = oneWirePinOf(ds18b20, checked.options);
    assert.equal(typeof oneWirePin, "number");
    for (const row of plan) {
      const bcm = Number(cell(row, 0));
      const expected = (I2C_PINS as readonly number[]).includes(bcm)
        ? "I2C bus 1"
        : bcm === oneWirePin
          ? "1-Wire"
          : (PWM_CHANNEL[bcm] ?? "");
      assert.equal(cell(row, 4), expected, `BCM ${bcm}`);
    }
    const stated = [...prose("hardware/README.md").matchAll(/(PWM[01]) on BCM (\d+) or (\d+)/g)].flatMap((match) => [
      [Number(match[2]), match[1]],
      [Number(match[3]), match[1]],
    ]);
    assert.deepEqual(Object.fromEntries(stated), PWM_CHANNEL);
  });

  it("calls free only pins it does not use", () => {
    const sentence = /\*\*Free for more:\*\*(.*?)BCM 0 and 1/.exec(prose("hardware/README.md"))?.[1] ?? "";
    const free = [...sentence.matchAll(/(\d+)–(\d+)|(\d+)/g)].flatMap(([, from, to, one]) =>
      one === undefined ? Array.from({ length: Number(to) - Number(from) + 1 }, (_, i) => Number(from) + i) : [Number(one)],
    );
    assert.ok(free.length >= 8, sentence);
    const used = new Set(plan.map((row) => Number(cell(row, 0))));
    for (const pin of free) {
      assert.ok(!used.has(pin), `BCM ${pin} is called free and is in the plan`);
      assert.notEqual(physicalPin(pin), undefined, `BCM ${pin} is not on the header`);
    }
  });

  it("leaves the buzzer the PWM channel the matrix does not take", () => {
    const matrixChannels = new Set(
      [...defaults.keypad.matrix.rows, ...defaults.keypad.matrix.columns].flatMap((bcm) => PWM_CHANNEL[bcm] ?? []),
    );
    const buzzer = plan.find((row) => cell(row, 2).startsWith("buzzer"));
    const channel = PWM_CHANNEL[Number(buzzer?.[0])];
    assert.ok(channel, "the buzzer is on a hardware PWM pin");
    assert.ok(!matrixChannels.has(channel), `the matrix takes ${[...matrixChannels].join(", ")}, the buzzer ${channel}`);
  });

  it("is where every page takes the buzzer's and siren's pins from", () => {
    const planned = (part: string): number => Number(plan.find((row) => cell(row, 2).startsWith(part))?.[0]);
    const pins: Record<string, number> = { buzzer: planned("buzzer"), siren: planned("siren") };
    const seen = new Set<string>();
    for (const page of PAGES) {
      for (const match of prose(page).matchAll(/\b(buzzer|siren)\b[^.|;]{0,40}?\bBCM (\d+)/gi)) {
        assert.equal(Number(match[2]), pins[match[1]?.toLowerCase() ?? ""], `${page}: "${match[0]}"`);
        seen.add(page);
      }
    }
    for (const page of ["hardware/README.md", "hardware/keypad.md", "hardware/reference-build.svg"])
      assert.ok(seen.has(page), `${page} names no pin for them`);
  });
});

describe("hardware/README.md's pin plan is the one `roomguard check` makes", () => {
  /** The hardware plan of a config, as `roomguard check` makes it (every enabled service's part). */
  const planOf = async (config: RoomguardConfig) => {
    const check = await checkWholeConfig({ config, file: null, baseDir: REPO });
    assert.deepEqual(check.issues, [], "the documented config has no problems");
    return check.plan.pins.map((pin) => [pin.bcm, pin.physical]);
  };
  /** The table's rows that have a part in `column` (2: the reference build, 3: the matrix); the alarm's siren and buzzer are in both. */
  const documented = (column: number): number[][] =>
    plan
      .filter((row) => cell(row, column) !== "" || /^(siren|buzzer)/.test(cell(row, 2)))
      .map((row) => [Number(cell(row, 0)), Number(cell(row, 1))]);

  it("for the deployed config with every optional sensor of hardware/sensors.md", async () => {
    assert.deepEqual(await planOf({ ...template, sensors: sensorRows.map(entryOf) }), documented(2));
  });

  it("for its matrix keypad instead of the buttons: the rows and columns the table gives it", async () => {
    const matrix = await planOf({
      ...template,
      keypad: { ...template.keypad, mode: "matrix" },
      sensors: [],
      alarm: { ...template.alarm, zones: [] },
    });
    assert.deepEqual(matrix, documented(3));
  });
});

describe("hardware/sensors.md's table", () => {
  let catalog: SensorCatalog;
  before(async () => {
    catalog = await loadInstalledSensors();
  });
  const rows = sensorRows;

  it("names each sensor package's kind and aliases", () => {
    assert.ok(rows.length >= 4);
    for (const row of rows) {
      const names = [...cell(row, 1).matchAll(/`([^`]+)`/g)].map((match) => match[1] ?? "");
      const definition = catalog.resolve(names[0] ?? "");
      assert.ok(definition, `${cell(row, 0)}: no sensor package of kind ${names[0]}`);
      assert.deepEqual(names, [definition.kind, ...definition.aliases], cell(row, 0));
    }
  });

  it("gives each an entry the sensor reader takes, wired to the pins in its wires column", () => {
    for (const row of rows) {
      const entry = entryOf(row);
      const [prepared] = prepareEntries([entry], catalog);
      assert.ok(prepared?.ok, `${cell(row, 0)}: ${prepared && !prepared.ok ? prepared.error : "nothing"}`);
      assert.equal(prepared.definition.kind, /`([^`]+)`/.exec(cell(row, 1))?.[1]);
      const options = prepared.options as { pin?: number; i2cAddress?: number };
      const oneWirePin = oneWirePinOf(prepared.definition, prepared.options);
      const expected =
        options.pin !== undefined
          ? [options.pin]
          : options.i2cAddress !== undefined
            ? [...I2C_PINS]
            : oneWirePin !== undefined
              ? [oneWirePin]
              : [];
      assert.deepEqual(bcmNumbers(cell(row, 2)), expected, cell(row, 0));
    }
  });

  it("agrees with the sensors deploy/config.template.yaml and roomguard.yaml configure", () => {
    const documented = new Map(rows.map((row) => [entryOf(row).kind, entryOf(row)]));
    let checked = 0;
    for (const [name, config] of [
      ["deploy/config.template.yaml", template],
      ["roomguard.yaml", checkout],
    ] as const) {
      for (const entry of config.sensors) {
        const kind = catalog.resolve(entry.kind)?.kind ?? entry.kind;
        const doc = documented.get(kind);
        if (!doc) continue;
        if ("pin" in doc) assert.equal(entry.pin, doc.pin, `${name}: sensors[${entry.id}].pin`);
        checked++;
      }
    }
    assert.ok(checked >= 1);
  });

  it("gives the BME280's addresses as the sensor package takes them, its default first", () => {
    const bme280 = catalog.resolve("bme280");
    assert.ok(bme280);
    const accepted = Array.from({ length: 128 }, (_, address) => address).filter(
      (address) => checkOptions(bme280, { i2cAddress: address }).ok,
    );
    const checked = checkOptions(bme280, {});
    assert.ok(checked.ok);
    const defaultAddress = Number(checked.options.i2cAddress);
    const stated = (text: string): number[] => [...text.matchAll(/0x([0-9a-f]{2})\b/g)].map((match) => parseInt(match[1] ?? "", 16));
    const part = tableAfter(readme, "## Parts").find((row) => cell(row, 1).startsWith("BME280")) ?? [];
    assert.deepEqual(stated(cell(part, 1)), accepted, "hardware/README.md's parts list");
    assert.equal(stated(cell(part, 1))[0], defaultAddress);
    assert.match(section(sensorsDoc, "## BME280"), new RegExp(`\`0x${defaultAddress.toString(16)}\` with SDO to ground`));
  });
});

describe("the boards: one list", () => {
  it("docs/deploy.md names the boards hardware/README.md lists, in its order", () => {
    const boards = tableAfter(readme, "## Which Raspberry Pi").map((row) => cell(row, 0));
    assert.ok(boards.length >= 6);
    for (const row of tableAfter(readme, "## Which Raspberry Pi"))
      assert.match(cell(row, 1), /^5\.1 V \d(\.\d)? A (USB-C|micro-USB)$/, cell(row, 0));
    const spoken = `${boards.slice(0, -1).join(", ")} or ${boards.at(-1)}`;
    const listed = /A Raspberry Pi: (.*?)(?:,|\.|;|$) with /.exec(
      section(read("docs/deploy.md"), "## What you need").replace(/\s+/g, " "),
    )?.[1];
    assert.equal(listed, spoken, "docs/deploy.md's list of boards");
  });
});

describe("config.txt lines in the docs are what deploy/boot-config.mjs writes", () => {
  const scratch = mkdtempSync(path.join(tmpdir(), "rg-docs-"));
  after(() => rmSync(scratch, { recursive: true, force: true }));
  /** The lines boot-config.mjs writes into an empty config.txt for this config. */
  async function bootLines(name: string, config: RoomguardConfig): Promise<string[]> {
    const configFile = path.join(scratch, `${name}.yaml`);
    const bootFile = path.join(scratch, `${name}.txt`);
    writeFileSync(configFile, JSON.stringify(config)); // JSON is YAML
    writeFileSync(bootFile, "");
    await promisify(execFile)(process.execPath, [
      path.join(REPO, "deploy/boot-config.mjs"),
      "--release",
      REPO,
      "--config",
      configFile,
      "--boot-config",
      bootFile,
    ]);
    return readFileSync(bootFile, "utf8")
      .split("\n")
      .filter((line) => line !== "" && !line.startsWith("#"));
  }
  let lines: { deployed: string[]; matrix: string[]; everything: string[]; doorAlone: string[] };
  before(async () => {
    const [deployed, matrix, everything, doorAlone] = await Promise.all([
      bootLines("deployed", template),
      bootLines("matrix", { ...template, keypad: { ...template.keypad, mode: "matrix" } }),
      // The deployed config with every sensor of hardware/sensors.md's table (its door is the template's).
      bootLines("everything", { ...template, sensors: sensorRows.map(entryOf) }),
      bootLines("door-alone", { ...template, launcher: { ...template.launcher, services: ["sensors"] } }),
    ]);
    lines = { deployed, matrix, everything, doorAlone };
  });
  const codeLines = (text: string): string[] =>
    [...text.matchAll(/(?:^|[\s`(])((?:gpio=[\d,]+=ip,p[ud])|(?:dtparam=i2c_arm=on)|(?:dtoverlay=w1-gpio[\w,=]*))/g)].map(
      (match) => match[1] ?? "",
    );

  it("hardware/README.md's and keypad.md's pull-up lines are the deployed config's, and the matrix's", () => {
    const pullUp = (found: string[]): string | undefined => found.find((line) => line.startsWith("gpio="));
    assert.deepEqual(
      codeLines(section(readme, "## Wiring")).filter((line) => line.startsWith("gpio=")),
      [pullUp(lines.deployed)],
    );
    const block = /```\n([\s\S]*?)```/.exec(section(read("hardware/keypad.md"), "## Pull-ups"))?.[1] ?? "";
    assert.deepEqual(codeLines(block), [pullUp(lines.deployed), pullUp(lines.matrix)]);
    const pinctrl = /pinctrl set ([\d,]+) ip pu/.exec(read("hardware/keypad.md"))?.[1];
    assert.equal(`gpio=${pinctrl}=ip,pu`, pullUp(lines.deployed));
  });

  it("docs/deploy.md's lines by hand are the deployed config's with every optional sensor", () => {
    const block = /```\n([\s\S]*?)```/.exec(section(read("docs/deploy.md"), "## Boot settings by hand"))?.[1] ?? "";
    assert.deepEqual(block.trim().split("\n"), lines.everything);
  });

  it("every config.txt line on any page is one the installer writes", () => {
    const written = new Set([...lines.deployed, ...lines.matrix, ...lines.everything, ...lines.doorAlone]);
    let checked = 0;
    for (const page of PAGES) {
      for (const line of codeLines(read(page))) {
        assert.ok(written.has(line), `${page}: ${line} (the installer writes ${[...written].join(" ")})`);
        checked++;
      }
    }
    assert.ok(checked >= 10, `only ${checked} lines found`);
  });
});

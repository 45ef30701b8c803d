import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { checkOptions, defineSensor, describeIssues, describeOptions, i2cAddressOption, pinOption, v } from "../src/index.js";
import { sensorHarness } from "../src/testing/index.js";

const stop = (): Promise<void> => Promise.resolve();
const contact = defineSensor({
  kind: "contact",
  aliases: ["reed"],
  description: "a test contact",
  options: v.strictObject({
    pin: pinOption,
    openWhen: v.optional(v.picklist(["high", "low"], "expected high or low"), "high"),
    debounceMs: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0)), 50),
  }),
  create: () => ({ start: stop, stop }),
});
const chip = defineSensor({
  kind: "chip",
  description: "a test I2C chip",
  options: v.strictObject({ i2cAddress: i2cAddressOption([0x44, 0x45]) }),
  create: () => ({ start: stop, stop }),
});
const bare = defineSensor({ kind: "bare", description: "no options", options: v.strictObject({}), create: () => ({ start: stop, stop }) });

/** The one-line message the sensor reader publishes, for an entry `sensors[x]`. */
function message(definition: Parameters<typeof checkOptions>[0], input: unknown, name?: string): string {
  const checked = checkOptions(definition, input, name);
  if (checked.ok) return "ok";
  return [describeIssues(checked.issues, "sensors[x]"), checked.takes].filter(Boolean).join("; ");
}

describe("checkOptions", () => {
  it("passes good options through the schema, defaults filled in", () => {
    assert.deepEqual(checkOptions(contact, { pin: 25 }), { ok: true, options: { pin: 25, openWhen: "high", debounceMs: 50 } });
    assert.deepEqual(checkOptions(chip, {}), { ok: true, options: { i2cAddress: 0x44 } });
  });

  it("names a missing required option as missing, and lists what the kind takes, required ones marked", () => {
    assert.deepEqual(checkOptions(contact, {}), {
      ok: false,
      issues: [{ key: "pin", message: "missing (required)" }],
      takes: "contact takes: pin (required), openWhen, debounceMs",
    });
    assert.equal(
      message(contact, { openWhen: "low" }),
      "sensors[x].pin: missing (required); contact takes: pin (required), openWhen, debounceMs",
    );
    assert.equal(
      message(contact, {}, "reed"),
      "sensors[x].pin: missing (required); reed takes: pin (required), openWhen, debounceMs",
      "as the config named it",
    );
  });

  it("names an unknown option as a typo, with the option meant when one is close", () => {
    const takes = "contact takes: pin (required), openWhen, debounceMs";
    assert.equal(message(contact, { pin: 25, openwhen: "low" }), `sensors[x].openwhen: unknown option (did you mean openWhen?); ${takes}`);
    assert.equal(message(contact, { pin: 25, debounce: 10 }), `sensors[x].debounce: unknown option (did you mean debounceMs?); ${takes}`);
    assert.equal(message(contact, { pin: 25, colour: "red" }), `sensors[x].colour: unknown option (a typo?); ${takes}`);
    assert.equal(message(chip, { address: 0x44 }), "sensors[x].address: unknown option (did you mean i2cAddress?); chip takes: i2cAddress");
    assert.equal(message(bare, { pin: 4 }), "sensors[x].pin: unknown option (a typo?); bare takes: no options");
  });

  it("a typo of a required option is one issue, not a missing one besides", () => {
    assert.deepEqual(checkOptions(contact, { pn: 25 }), {
      ok: false,
      issues: [{ key: "pn", message: "unknown option (did you mean pin?)" }],
      takes: "contact takes: pin (required), openWhen, debounceMs",
    });
    assert.match(message(contact, { pni: 25 }), /pni: unknown option \(did you mean pin\?\)/, "two letters swapped");
  });

  it("does not suggest an option the entry already has", () => {
    assert.equal(
      message(contact, { pin: 25, pins: 26 }),
      "sensors[x].pins: unknown option (a typo?); contact takes: pin (required), openWhen, debounceMs",
    );
  });

  it("names a value of the wrong type or range: the schema's own words, else expected …, got …", () => {
    assert.equal(message(contact, { pin: "25" }), 'sensors[x].pin: expected a BCM GPIO number, got "25"');
    assert.equal(message(contact, { pin: 40 }), "sensors[x].pin: expected a BCM GPIO on the 40-pin header (2-27), got 40");
    assert.equal(message(contact, { pin: 25, openWhen: "sideways" }), 'sensors[x].openWhen: expected high or low, got "sideways"');
    assert.equal(message(contact, { pin: 25, debounceMs: "fast" }), 'sensors[x].debounceMs: expected number, got "fast"');
    assert.equal(message(contact, { pin: 25, debounceMs: 1.5 }), "sensors[x].debounceMs: expected integer, got 1.5");
    assert.equal(message(chip, { i2cAddress: 0x40 }), "sensors[x].i2cAddress: expected an I2C address of this chip: 0x44 or 0x45, got 64");
  });

  it("reports every issue at once, in the schema's order, unknown keys last", () => {
    const checked = checkOptions(contact, { zzz: 1, debounceMs: -1, hue: 2 });
    assert.equal(checked.ok, false);
    assert.deepEqual(!checked.ok && checked.issues, [
      { key: "pin", message: "missing (required)" },
      { key: "debounceMs", message: "expected >=0, got -1" },
      { key: "zzz", message: "unknown option (a typo?)" },
      { key: "hue", message: "unknown option (a typo?)" },
    ]);
    assert.equal(
      !checked.ok && describeIssues(checked.issues),
      "pin: missing (required); debounceMs: expected >=0, got -1; zzz: unknown option (a typo?); hue: unknown option (a typo?)",
    );
  });

  it("describeOptions marks the required options", () => {
    assert.equal(describeOptions(contact), "pin (required), openWhen, debounceMs");
    assert.equal(describeOptions(chip), "i2cAddress");
    assert.equal(describeOptions(bare), "no options");
  });

  it("the test harness refuses options with the reader's messages", () => {
    assert.throws(() => sensorHarness(contact, {}), {
      message: "pin: missing (required); contact takes: pin (required), openWhen, debounceMs",
    });
    assert.throws(() => sensorHarness(contact, { pin: 25, openwhen: "low" }), /openwhen: unknown option \(did you mean openWhen\?\)/);
    assert.doesNotThrow(() => sensorHarness(contact, { pin: 25 }));
  });
});

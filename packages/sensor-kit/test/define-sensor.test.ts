import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { defineSensor, v } from "../src/index.js";

const base = {
  kind: "probe",
  description: "a probe",
  options: v.strictObject({}),
  create: () => ({ start: async () => {}, stop: async () => {} }),
};

describe("defineSensor's declarations of what a sensor measures", () => {
  it("keeps measures and binary, and gives {} when a sensor declares none", () => {
    const measures = { temperature_c: { name: "temperature", deviceClass: "temperature", unit: "°C" } };
    assert.deepEqual(defineSensor({ ...base, measures }).measures, measures);
    assert.deepEqual(defineSensor({ ...base, binary: { deviceClass: "door" } }).binary, { deviceClass: "door" });
    assert.deepEqual(defineSensor(base).measures, {});
  });

  it("refuses a malformed declaration, naming the key and what it expected", () => {
    assert.throws(() => defineSensor({ ...base, measures: { Temperature: {} } }), /measures\.Temperature: expected a key of lower case/);
    assert.throws(() => defineSensor({ ...base, measures: { temperature__c: {} } }), /single _/);
    assert.throws(
      () => defineSensor({ ...base, measures: { t_c: { stateClass: "average" as never } } }),
      /t_c\.stateClass: expected one of measurement/,
    );
    assert.throws(() => defineSensor({ ...base, measures: { t_c: { unit: "" } } }), /t_c\.unit: expected a short text, got ""/);
    assert.throws(() => defineSensor({ ...base, binary: { deviceClass: "doorway" as never } }), /binary\.deviceClass: .* got "doorway"/);
    assert.doesNotThrow(() => defineSensor({ ...base, measures: { t_c: { unit: "°C", stateClass: "total_increasing" } } }));
  });
});

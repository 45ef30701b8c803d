import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  formatClock,
  formatDuration,
  formatMegabytes,
  formatReading,
  formatRelative,
  formatTime,
  formatWhen,
  localInputToEpochMs,
  quantityUnit,
  stateWords,
} from "../page/format.js";

describe("the page's formatting", () => {
  it("derives units from the quantity's suffix, the raw name otherwise", () => {
    assert.deepEqual(quantityUnit("temperature_c"), { label: "temperature", unit: "°C" });
    assert.deepEqual(quantityUnit("humidity_pct"), { label: "humidity", unit: "%" });
    assert.deepEqual(quantityUnit("pressure_hpa"), { label: "pressure", unit: "hPa" });
    assert.deepEqual(quantityUnit("co2"), { label: "co2", unit: "" });
    assert.deepEqual(quantityUnit("gas_resistance"), { label: "gas_resistance", unit: "" });
    assert.deepEqual(quantityUnit("_c"), { label: "_c", unit: "" });
  });
  it("formats readings in the given locale", () => {
    assert.equal(formatReading("temperature_c", 21.44, "en-GB"), "21.4 °C");
    assert.equal(formatReading("temperature_c", 21.44, "de-DE"), "21,4 °C");
    assert.equal(formatReading("pressure_hpa", 1013.25, "de-DE"), "1.013 hPa");
    assert.equal(formatReading("co2", 412, "en-GB"), "412");
  });
  it("says durations in their two largest units and stops at a zero", () => {
    assert.equal(formatDuration(0, "en-GB"), "0s");
    assert.equal(formatDuration(42.9, "en-GB"), "42s");
    assert.equal(formatDuration(312, "en-GB"), "5m 12s");
    assert.equal(formatDuration(7200, "en-GB"), "2h");
    assert.equal(formatDuration(2 * 86_400 + 3 * 3600 + 59, "en-GB"), "2d 3h");
    assert.equal(formatDuration(-5, "en-GB"), "0s");
  });
  it("formats clocks as m:ss and h:mm:ss", () => {
    assert.equal(formatClock(0, "en-GB"), "0:00");
    assert.equal(formatClock(65.7, "en-GB"), "1:05");
    assert.equal(formatClock(3723, "en-GB"), "1:02:03");
  });
  it("formats memory in megabytes", () => {
    assert.equal(formatMegabytes(48_213_000, "en-GB"), "48.2 MB");
  });
  it("formats times in the locale and time zone, the date only when it is another day", () => {
    const at = Date.UTC(2025, 11, 2, 13, 5, 9);
    assert.equal(formatTime(at, "en-GB", "UTC"), "13:05:09");
    assert.equal(formatTime(at, "en-US", "UTC"), "1:05:09 PM");
    assert.equal(formatWhen(at, at + 3600_000, "en-GB", "UTC"), "13:05:09");
    assert.equal(formatWhen(at, at + 86_400_000, "en-GB", "UTC"), "02/12/2025, 13:05:09");
  });
  it("says relative times in words", () => {
    assert.equal(formatRelative(-5 * 60_000, "en"), "5 minutes ago");
    assert.equal(formatRelative(30_000, "en"), "in 30 seconds");
    assert.equal(formatRelative(0, "en"), "now");
    assert.equal(formatRelative(-3 * 86_400_000, "en"), "3 days ago");
  });
  it("reads datetime-local values in local time, and refuses anything else", () => {
    assert.equal(localInputToEpochMs("2025-12-02T13:05"), new Date(2025, 11, 2, 13, 5).getTime());
    assert.equal(localInputToEpochMs(""), undefined);
    assert.equal(localInputToEpochMs("yesterday"), undefined);
    assert.equal(localInputToEpochMs("2025-13-45T99:99"), undefined);
  });
  it("spells states with spaces", () => {
    assert.equal(stateWords("armed_away"), "armed away");
  });
});

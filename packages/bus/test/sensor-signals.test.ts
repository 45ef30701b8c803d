// What the alarm and the dashboard read from the sensors' messages, and what they leave alone.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseMessage, sensorSignal } from "@roomguard/bus";

function signal(text: string): ReturnType<typeof sensorSignal> {
  const parsed = parseMessage(text);
  assert.ok(parsed.ok, text);
  return sensorSignal(parsed.message);
}

describe("the sensors' messages as zone signals", () => {
  it("reads doors, PIRs, lala-pi's bare door, faults and readings", () => {
    assert.deepEqual(signal("DOOR: front open"), { kind: "state", sensor: "front", open: true });
    assert.deepEqual(signal("DOOR: front closed"), { kind: "state", sensor: "front", open: false });
    assert.deepEqual(signal("MOTION: hall on"), { kind: "state", sensor: "hall", open: true });
    assert.deepEqual(signal("MOTION: hall off"), { kind: "state", sensor: "hall", open: false });
    assert.deepEqual(signal("DOOR: open"), { kind: "state", sensor: "door", open: true }, "lala-pi's door switch");
    assert.deepEqual(signal("DOOR: closed"), { kind: "state", sensor: "door", open: false });
    assert.deepEqual(signal('SENSOR: smoke fault {"code":"ENODEV","error":"gone"}'), {
      kind: "fault",
      sensor: "smoke",
      why: "sensor fault ENODEV",
      error: "gone",
    });
    assert.deepEqual(signal("SENSOR: smoke fault garbage"), {
      kind: "fault",
      sensor: "smoke",
      why: "sensor fault UNKNOWN",
      error: "sensor fault UNKNOWN",
    });
    assert.deepEqual(signal('SENSOR: climate {"temperature_c":21.5,"label":"x","humidity_pct":40}'), {
      kind: "reading",
      sensor: "climate",
      values: { temperature_c: 21.5, humidity_pct: 40 },
    });
  });

  it("ignores every other form, and keeps a fault's code short", () => {
    for (const text of [
      "DOOR: front ajar",
      "DOOR: front open now",
      "MOTION: on",
      "MOTION: hall",
      "SENSOR: climate",
      "SENSOR: climate [1]",
      "KEY: 1",
      "ALARM: triggered {}",
    ])
      assert.equal(signal(text), null, text);
    const long = signal(`SENSOR: x fault {"code":"${"C".repeat(500)}"}`);
    assert.ok(long?.kind === "fault" && long.why.length <= 60);
    const wordy = signal(`SENSOR: x fault {"error":"${"e".repeat(5000)}"}`);
    assert.ok(wordy?.kind === "fault" && wordy.error.length === 200);
  });

  it("keeps a reading's first 16 quantities with short names, finite numbers only", () => {
    const many = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`q${i}`, i]));
    const read = signal(`SENSOR: x ${JSON.stringify({ ["n".repeat(41)]: 1, ...many })}`);
    assert.ok(read?.kind === "reading");
    assert.deepEqual(
      Object.keys(read.values),
      Array.from({ length: 16 }, (_, i) => `q${i}`),
    );
    const odd = signal('SENSOR: x {"a":1e400,"b":"2","c":null,"d":-0.5}');
    assert.deepEqual(odd?.kind === "reading" && odd.values, { d: -0.5 });
  });
});

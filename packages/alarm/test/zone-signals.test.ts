// What the alarm reads from the sensors' messages, and what it leaves alone.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseMessage } from "@roomguard/bus";
import { sensorSignal } from "../src/zone-signals.js";

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
    });
    assert.deepEqual(signal("SENSOR: smoke fault garbage"), { kind: "fault", sensor: "smoke", why: "sensor fault UNKNOWN" });
    assert.deepEqual(signal('SENSOR: climate {"temperature_c":21.5}'), { kind: "reading", sensor: "climate" });
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
  });
});

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseMessage, type BusMessage } from "@roomguard/bus";
import { alarmChime, alarmState } from "../src/alarm-signals.js";

function message(text: string): BusMessage {
  const parsed = parseMessage(text);
  if (!parsed.ok) throw new Error(`bad test message ${text}`);
  return parsed.message;
}

describe("the alarm's messages", () => {
  it("ALARM states by Home Assistant's names; security events, chimes and unknown states are not states", () => {
    assert.equal(alarmState(message('ALARM: triggered {"mode":"away","changed_by":"alarm"}')), "triggered");
    for (const state of ["disarmed", "arming", "armed_away", "armed_home", "armed_night", "pending"])
      assert.equal(alarmState(message(`ALARM: ${state} {}`)), state);
    assert.equal(alarmState(message("ALARM: pending")), "pending");
    assert.equal(alarmState(message('ALARM: event {"kind":"bad_code"}')), null);
    assert.equal(alarmState(message('ALARM: chime {"zone":"front"}')), null);
    assert.equal(alarmState(message("ALARM: armed {}")), null, "the old form is no state now");
    assert.equal(alarmState(message("ALARM: exploded {}")), null);
    assert.equal(alarmState(message("KEY: LEFT")), null);
    assert.throws(() => alarmState(message("ALARM: triggered {oops")), /expected JSON/);
  });

  it("ALARM: chime names its zone; anything else is no chime", () => {
    assert.deepEqual(alarmChime(message('ALARM: chime {"zone":"front"}')), { zone: "front" });
    assert.equal(alarmChime(message("ALARM: chime")), null);
    assert.equal(alarmChime(message('ALARM: chime {"zone":7}')), null);
    assert.equal(alarmChime(message("ALARM: chime []")), null);
    assert.equal(alarmChime(message('ALARM: disarmed {"zone":"front"}')), null);
    assert.equal(alarmChime(message("DOOR: front open")), null, "a door's own message chimes no more");
    assert.throws(() => alarmChime(message("ALARM: chime {oops")), /expected JSON/);
  });
});

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseMessage, type BusMessage } from "@roomguard/bus";
import { alarmState, DoorWatch, doorEvent } from "../src/alarm-signals.js";

function message(text: string): BusMessage {
  const parsed = parseMessage(text);
  if (!parsed.ok) throw new Error(`bad test message ${text}`);
  return parsed.message;
}

describe("the alarm's and the doors' messages", () => {
  it("ALARM states; security events and unknown states are not states", () => {
    assert.equal(alarmState(message('ALARM: triggered {"sensor":"front"}')), "triggered");
    assert.equal(alarmState(message("ALARM: disarmed {}")), "disarmed");
    assert.equal(alarmState(message("ALARM: entry")), "entry");
    assert.equal(alarmState(message('ALARM: event {"kind":"bad_pin"}')), null);
    assert.equal(alarmState(message("ALARM: exploded {}")), null);
    assert.equal(alarmState(message("KEY: LEFT")), null);
    assert.throws(() => alarmState(message("ALARM: triggered {oops")), /expected JSON/);
  });

  it("DOOR events in roomguard's form and lala-pi's", () => {
    assert.deepEqual(doorEvent(message("DOOR: front open")), { sensor: "front", open: true });
    assert.deepEqual(doorEvent(message("DOOR: front closed")), { sensor: "front", open: false });
    assert.deepEqual(doorEvent(message("DOOR: open")), { sensor: "door", open: true });
    assert.equal(doorEvent(message("DOOR: front ajar")), null);
    assert.equal(doorEvent(message("DOOR: a b c")), null);
    assert.equal(doorEvent(message("MOTION: hall on")), null);
  });

  it("only a closed door opening counts: not first news, not a repeat", () => {
    const doors = new DoorWatch();
    assert.equal(doors.opened({ sensor: "front", open: true }), false, "first news");
    assert.equal(doors.opened({ sensor: "front", open: true }), false, "a repeat");
    assert.equal(doors.opened({ sensor: "front", open: false }), false);
    assert.equal(doors.opened({ sensor: "front", open: true }), true);
    assert.equal(doors.opened({ sensor: "back", open: true }), false, "each door on its own");
  });
});

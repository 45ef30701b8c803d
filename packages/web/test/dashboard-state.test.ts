// What the gateway keeps from the bus for the pages, and what it refuses to keep.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseMessage, type BusMessage } from "@roomguard/bus";
import { DashboardStore, type StateChange } from "../src/dashboard-state.js";
import { ARMED_AWAY } from "@roomguard/testing";

function message(text: string): BusMessage {
  const parsed = parseMessage(text);
  assert.ok(parsed.ok, text);
  return parsed.message;
}

function store() {
  const changes: StateChange[] = [];
  const zones = [
    { name: "front", sensor: "front", type: "entry" },
    { name: "front-chime", sensor: "front", type: "chime" },
    { name: "hall", sensor: "hall", type: "follower" },
  ];
  const made = new DashboardStore(zones, ["climate", "hall"], (change) => changes.push(change));
  const take = (text: string, now = 1000): boolean => made.take(message(text), now);
  return { made, changes, take };
}

const ARMED = ARMED_AWAY;

describe("the dashboard's state", () => {
  it("starts with every configured zone and sensor unknown, and nothing heard", () => {
    const { made } = store();
    const state = made.snapshot();
    assert.equal(state.alarm, null);
    assert.deepEqual(Object.keys(state.zones), ["front", "front-chime", "hall"]);
    assert.deepEqual(state.zones.front, { type: "entry", sensor: "front", open: null, trouble: null, at: null });
    assert.deepEqual(state.sensors.climate, { reading: null, state: null, fault: null, at: null });
  });

  it("opens every zone of a door, once: a repeated report changes nothing", () => {
    const { made, changes, take } = store();
    assert.ok(take("DOOR: front open", 5));
    assert.ok(take("DOOR: front open", 6));
    assert.deepEqual(
      changes.map((change) => ("section" in change ? `${change.section}/${change.name}` : "event")),
      ["zones/front", "zones/front-chime"],
    );
    assert.equal(made.snapshot().zones.front?.open, true);
    assert.equal(made.snapshot().zones.front?.at, 5);
    take("MOTION: hall on", 9);
    assert.equal(made.snapshot().zones.hall?.open, true);
    assert.deepEqual(made.snapshot().sensors.hall, { reading: null, state: "on", fault: null, at: 9 }, "a PIR's word, in the sensors too");
  });

  it("keeps readings and faults of configured sensors only", () => {
    const { made, changes, take } = store();
    take('SENSOR: climate {"temperature_c":21.5,"note":"x"}', 7);
    take('SENSOR: hall fault {"code":"ENODEV","error":"no device at 0x76"}', 8);
    for (let i = 0; i < 10_000; i++) take(`SENSOR: made-up-${i} {"x":1}`);
    assert.deepEqual(made.snapshot().sensors.climate, { reading: { temperature_c: 21.5 }, state: null, fault: null, at: 7 });
    assert.deepEqual(made.snapshot().sensors.hall, { reading: null, state: null, fault: "no device at 0x76", at: 8 });
    assert.deepEqual(Object.keys(made.snapshot().sensors), ["climate", "hall"], "made-up ids take no room");
    assert.equal(changes.length, 2);
  });

  it("passes the alarm's state on when it changes, and its troubles to the zones", () => {
    const { made, changes, take } = store();
    take(`ALARM: armed_away ${JSON.stringify(ARMED)}`);
    take(`ALARM: armed_away ${JSON.stringify(ARMED)}`);
    assert.equal(changes.length, 1, "the alarm's repeat is not a change");
    take(`ALARM: armed_away ${JSON.stringify({ ...ARMED, troubles: { hall: "sensor fault ENODEV" } })}`);
    assert.equal(made.snapshot().alarm?.state, "armed_away");
    assert.equal(made.snapshot().zones.hall?.trouble, "sensor fault ENODEV");
    assert.deepEqual(
      changes.map((change) => ("section" in change ? change.section : "event")),
      ["alarm", "alarm", "zones"],
    );
  });

  it("keeps the last 50 events and passes each on", () => {
    const { made, changes, take } = store();
    for (let i = 0; i < 60; i++)
      take(
        `ALARM: event {"kind":"bad_code","at":"2026-12-02T10:00:${String(i % 60).padStart(2, "0")}.000Z","source":"keypad","attempts":${i}}`,
      );
    assert.equal(made.snapshot().events.length, 50);
    assert.equal(made.snapshot().events[0]?.attempts, 10);
    assert.equal(changes.length, 60);
  });

  it("refuses forged shapes: an unknown state, a payload that is no object, fields of the wrong type, long strings", () => {
    const { made, take } = store();
    assert.equal(take(`ALARM: disarmed_forever ${JSON.stringify(ARMED)}`), false);
    assert.equal(take("ALARM: armed_away [1,2]"), false);
    assert.equal(take("ALARM: armed_away {not json"), false);
    assert.equal(take('ALARM: event {"kind":"x"}'), false, "an event without a time");
    assert.equal(made.snapshot().alarm, null);
    take(`ALARM: triggered ${JSON.stringify({ ...ARMED, mode: "party", changed_by: "z".repeat(10_000), open_zones: [1, "front", {}] })}`);
    const alarm = made.snapshot().alarm;
    assert.equal(alarm?.mode, null);
    assert.equal(alarm?.changed_by.length, 200);
    assert.deepEqual(alarm?.open_zones, ["front"]);
    assert.equal(made.ignored.get("ALARM"), 4);
    assert.equal(take("DOOR: front ajar"), false);
  });

  it("keeps the music player's state, and only its documented fields", () => {
    const { made, changes, take } = store();
    take('MUSIC: play {"title":"So What","artist":"Miles Davis","volume":60,"elapsed_s":1,"file":"/secret/path.mp3"}');
    take('MUSIC: play {"title":"So What","artist":"Miles Davis","volume":60,"elapsed_s":1,"file":"/secret/path.mp3"}');
    assert.deepEqual(made.snapshot().music, { state: "play", title: "So What", artist: "Miles Davis", elapsed_s: 1, volume: 60 });
    assert.equal(changes.length, 1);
    take('MUSIC: offline {"error":"nothing listens at 127.0.0.1:6600"}');
    assert.deepEqual(made.snapshot().music, { state: "offline", error: "nothing listens at 127.0.0.1:6600" });
  });
});

// The ALARM: and MUSIC: payloads as the dashboard and the MQTT bridge pass them on: documented fields only, cut short.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { alarmEventOf, alarmStateOf, MAX_PAYLOAD_ITEMS, MAX_PAYLOAD_TEXT, musicStateOf } from "@roomguard/bus";

describe("ALARM: and MUSIC: payloads checked", () => {
  it("keeps an alarm state's documented fields, drops others, reads wrong types as empty", () => {
    const state = alarmStateOf("arming", {
      state: "arming",
      mode: "away",
      next_state: "armed_away",
      delay_s: 30,
      ends_at: "2026-12-02T08:30:30.000Z",
      changed_by: "alice",
      open_zones: ["front", 7],
      bypassed: [],
      shut_down: "front",
      troubles: { window: "sensor fault ENODEV", hall: 3 },
      memory: [],
      lockout_until: null,
      code: "1234",
    });
    assert.deepEqual(state, {
      state: "arming",
      mode: "away",
      next_state: "armed_away",
      delay_s: 30,
      ends_at: "2026-12-02T08:30:30.000Z",
      changed_by: "alice",
      open_zones: ["front"],
      bypassed: [],
      shut_down: [],
      troubles: { window: "sensor fault ENODEV" },
      memory: [],
      lockout_until: null,
    });
    assert.equal(alarmStateOf("armed_away", { mode: "sideways", next_state: "exploded", delay_s: Infinity })?.mode, null);
    assert.equal(alarmStateOf("armed_away", { next_state: "exploded" })?.next_state, null);
  });

  it("refuses made-up states and payloads that are no object", () => {
    for (const [state, payload] of [
      ["event", {}],
      ["chime", { zone: "front" }],
      ["armed_vacation", {}],
      ["disarmed", null],
      ["disarmed", [1]],
      ["disarmed", "x"],
      ["disarmed", undefined],
    ] as const)
      assert.equal(alarmStateOf(state, payload), null, `${state} ${JSON.stringify(payload)}`);
  });

  it("cuts long strings and long lists", () => {
    const long = "z".repeat(10_000);
    const many = Array.from({ length: 1000 }, (_, i) => `zone${i}`);
    const troubles = Object.fromEntries(many.map((zone) => [zone, long]));
    const state = alarmStateOf("disarmed", { changed_by: long, open_zones: [long, ...many], troubles });
    assert.ok(state);
    assert.equal(state.changed_by.length, MAX_PAYLOAD_TEXT);
    assert.equal(state.open_zones.length, MAX_PAYLOAD_ITEMS);
    assert.equal(state.open_zones[0]?.length, MAX_PAYLOAD_TEXT);
    assert.equal(Object.keys(state.troubles).length, MAX_PAYLOAD_ITEMS);
    assert.ok(Object.values(state.troubles).every((why) => why.length === MAX_PAYLOAD_TEXT));
  });

  it("keeps an event's documented fields and needs kind and at", () => {
    assert.deepEqual(
      alarmEventOf({ kind: "bad_code", at: "2026-12-02T08:29:58.120Z", source: "keypad", attempts: 2, code: "1234", zones: ["a", 1] }),
      { kind: "bad_code", at: "2026-12-02T08:29:58.120Z", source: "keypad", attempts: 2, zones: ["a"] },
    );
    assert.equal(alarmEventOf({ kind: "arm" }), null);
    assert.equal(alarmEventOf({ at: "x" }), null);
    assert.equal(alarmEventOf("arm"), null);
    assert.equal(alarmEventOf({ kind: "x".repeat(1000), at: "t" })?.kind.length, MAX_PAYLOAD_TEXT);
  });

  it("keeps the music's documented fields", () => {
    assert.deepEqual(musicStateOf("play", { title: "So What", volume: 60, file: "/x", elapsed_s: "12" }), {
      state: "play",
      title: "So What",
      volume: 60,
    });
    assert.deepEqual(musicStateOf("stop", undefined), { state: "stop" });
    assert.equal(musicStateOf("PLAY", {}), null);
    assert.equal(musicStateOf("play", [1]), null);
    assert.equal(musicStateOf("x".repeat(21), {}), null);
  });
});

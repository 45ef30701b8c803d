// Bus messages to Home Assistant's state topics: what is published, only when it changed, rate-limited, and what is not.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ManualClock } from "@roomguard/runtime";
import { HaStates, type HaStatesOptions } from "../src/ha-states.js";
import type { Publication } from "../src/publication.js";
import { message, RecordingLogger } from "./fakes.js";
import { ARMED_AWAY } from "@roomguard/testing";

const ARMED = { ...ARMED_AWAY, state: "armed_away", bypassed: ["window"] };

function rig(options: Partial<HaStatesOptions> = {}) {
  const clock = new ManualClock();
  const log = new RecordingLogger();
  const published: Publication[] = [];
  const states = new HaStates({
    baseTopic: "rg",
    zones: [
      { name: "front", sensor: "front" },
      { name: "front-tamper", sensor: "front" },
      { name: "hall", sensor: "pir1" },
    ],
    sensorIds: ["climate", "attic"],
    services: ["sensors", "alarm"],
    heartbeatIntervalS: 5,
    clock,
    log,
    publish: (publication) => published.push(publication),
    ...options,
  });
  const take = (text: string): boolean => states.take(message(text));
  /** The publications since the last call. */
  const drain = (): Publication[] => published.splice(0);
  return { clock, log, states, take, drain };
}

describe("HaStates", () => {
  it("publishes the alarm's state, attributes and troubles, retained, only when they change", () => {
    const { take, drain } = rig();
    assert.equal(take(`ALARM: armed_away ${JSON.stringify(ARMED)}`), true);
    const { state: _state, ...attributes } = ARMED;
    assert.deepEqual(drain(), [
      { topic: "rg/alarm/state", payload: "armed_away", retain: true },
      { topic: "rg/alarm/attributes", payload: JSON.stringify(attributes), retain: true },
      { topic: "rg/alarm/troubles", payload: "0", retain: true },
      { topic: "rg/alarm/troubles/attributes", payload: "{}", retain: true },
    ]);
    take(`ALARM: armed_away ${JSON.stringify(ARMED)}`);
    assert.deepEqual(drain(), [], "the alarm's repeat every heartbeat interval publishes nothing");

    take(`ALARM: armed_away ${JSON.stringify({ ...ARMED, troubles: { hall: "sensor fault ENODEV" } })}`);
    assert.deepEqual(
      drain().map((p) => [p.topic, p.payload]),
      [
        ["rg/alarm/attributes", JSON.stringify({ ...attributes, troubles: { hall: "sensor fault ENODEV" } })],
        ["rg/alarm/troubles", "1"],
        ["rg/alarm/troubles/attributes", '{"hall":"sensor fault ENODEV"}'],
      ],
      "the state is unchanged: not published again",
    );
  });

  it("passes on only the documented fields of a forged ALARM:, cut short", () => {
    const { take, drain } = rig();
    take(
      `ALARM: disarmed ${JSON.stringify({ ...ARMED, state: "x", code: "2468", secret: { a: 1 }, changed_by: "m".repeat(5000), mode: "sideways" })}`,
    );
    const published = drain();
    const attributes = JSON.parse(published.find((p) => p.topic === "rg/alarm/attributes")?.payload ?? "{}") as Record<string, unknown>;
    assert.deepEqual(Object.keys(attributes).sort(), [
      "bypassed",
      "changed_by",
      "delay_s",
      "ends_at",
      "lockout_until",
      "memory",
      "mode",
      "next_state",
      "open_zones",
      "shut_down",
      "troubles",
    ]);
    assert.equal(attributes.mode, null);
    assert.equal((attributes.changed_by as string).length, 200);
    assert.ok(!JSON.stringify(published).includes("2468"));
    assert.equal(published.find((p) => p.topic === "rg/alarm/state")?.payload, "disarmed", "the subject, not the payload's state");
  });

  it("publishes each security event, not retained, and the last one retained", () => {
    const { take, drain } = rig();
    const event = { kind: "bad_code", at: "2026-12-02T08:29:58.120Z", source: "keypad", attempts: 2, code: "1234" };
    take(`ALARM: event ${JSON.stringify(event)}`);
    const { code: _code, ...shown } = event;
    assert.deepEqual(drain(), [
      { topic: "rg/alarm/event", payload: JSON.stringify(shown), retain: false },
      { topic: "rg/alarm/last_event", payload: "bad_code", retain: true },
      { topic: "rg/alarm/last_event/attributes", payload: JSON.stringify(shown), retain: true },
    ]);
    take(`ALARM: event ${JSON.stringify(event)}`);
    assert.deepEqual(
      drain().map((p) => p.topic),
      ["rg/alarm/event"],
      "an event repeated is an event again; the retained ones did not change",
    );
    take('ALARM: chime {"zone":"front"}');
    assert.deepEqual(drain(), []);
  });

  it("ignores garbage on its topics, counted and logged once per topic", () => {
    const { take, drain, states, log } = rig();
    for (const text of [
      "ALARM: armed_away not json",
      "ALARM: exploded {}",
      "ALARM: armed_away [1,2]",
      "ALARM:",
      'ALARM: event {"kind":"arm"}',
      "ALARM: event 5",
      "MUSIC: PLAY {}",
      "MUSIC: play [1]",
      "HEARTBEAT: sensors",
      "HEARTBEAT: sensors nope",
      "DOOR: front ajar",
      "MOTION: lonely",
      "SENSOR: climate",
      "SENSOR: climate [1]",
      "KEY: LEFT",
    ])
      assert.equal(take(text), false, text);
    for (let i = 0; i < 1000; i++) take(`ALARM: garbage${i} x`);
    assert.deepEqual(drain(), []);
    assert.equal(states.ignored.get("ALARM"), 1006);
    assert.deepEqual(
      log.calls.map((call) => call.key),
      ["ignored ALARM", "ignored MUSIC", "ignored HEARTBEAT", "ignored DOOR", "ignored MOTION", "ignored SENSOR", "ignored KEY"],
    );
  });

  it("publishes configured zones ON/OFF on change, and nothing for made-up sensor ids", () => {
    const { take, drain, states } = rig();
    take("DOOR: front open");
    assert.deepEqual(drain(), [
      { topic: "rg/zone/front/state", payload: "ON", retain: true },
      { topic: "rg/zone/front-tamper/state", payload: "ON", retain: true },
    ]);
    take("DOOR: front open");
    assert.deepEqual(drain(), []);
    take("MOTION: pir1 on");
    take("MOTION: pir1 off");
    take("DOOR: front closed");
    assert.deepEqual(
      drain().map((p) => `${p.topic} ${p.payload}`),
      ["rg/zone/hall/state ON", "rg/zone/hall/state OFF", "rg/zone/front/state OFF", "rg/zone/front-tamper/state OFF"],
    );
    const known = states.republishAll().length;
    for (let i = 0; i < 10_000; i++) {
      assert.equal(take(`DOOR: made-up-${i} open`), true);
      take(`SENSOR: made-up-${i} {"temperature_c":${i}}`);
      take(`HEARTBEAT: made-up-${i} {"pid":1}`);
    }
    assert.deepEqual(drain(), []);
    assert.equal(states.republishAll().length, known, "nothing kept for them");
  });

  it("publishes a configured sensor's reading at most once a second, the latest value last", () => {
    const { take, drain, clock } = rig();
    take('SENSOR: climate {"temperature_c":21.5,"label":"x","humidity_pct":40}');
    assert.deepEqual(drain(), [{ topic: "rg/sensor/climate/state", payload: '{"temperature_c":21.5,"humidity_pct":40}', retain: true }]);
    for (let i = 1; i < 1000; i++) {
      clock.advance(1);
      take(`SENSOR: climate {"temperature_c":${i === 999 ? 21 : 20 + i / 1000}}`);
      take(`SENSOR: attic {"temperature_c":${i}}`);
    }
    // 999 ms in: climate waits for its slot (1,000 ms after its first); attic published its first at once, the rest wait.
    assert.deepEqual(drain(), [{ topic: "rg/sensor/attic/state", payload: '{"temperature_c":1}', retain: true }]);
    clock.advance(1);
    assert.deepEqual(
      drain(),
      [{ topic: "rg/sensor/climate/state", payload: '{"temperature_c":21}', retain: true }],
      "the latest at its slot",
    );
    clock.advance(5000);
    assert.deepEqual(
      drain(),
      [{ topic: "rg/sensor/attic/state", payload: '{"temperature_c":999}', retain: true }],
      "attic's latest at its own slot, then nothing: 1,998 readings, 3 publications",
    );
    take('SENSOR: climate {"temperature_c":21}');
    assert.deepEqual(drain(), [], "an unchanged reading is not published again");
    take('SENSOR: climate fault {"code":"ENODEV"}');
    take('SENSOR: climate {"temperature_c":1e999}');
    assert.deepEqual(drain(), [{ topic: "rg/sensor/climate/state", payload: "{}", retain: true }], "no fault, non-finite numbers dropped");
  });

  it("says a service is online on its heartbeat and offline after two intervals without one", () => {
    const { take, drain, clock, states } = rig({ services: ["sensors"] });
    states.start();
    take('HEARTBEAT: sensors {"pid":10,"uptime_s":1}');
    assert.deepEqual(drain(), [{ topic: "rg/service/sensors/availability", payload: "online", retain: true }]);
    clock.advance(9_999);
    take('HEARTBEAT: sensors {"pid":10,"uptime_s":11}');
    clock.advance(9_999);
    assert.deepEqual(drain(), [], "a heartbeat within two intervals keeps it online, said once");
    clock.advance(1);
    assert.deepEqual(drain(), [{ topic: "rg/service/sensors/availability", payload: "offline", retain: true }]);
    clock.advance(60_000);
    assert.deepEqual(drain(), []);
    take('HEARTBEAT: sensors {"pid":11,"uptime_s":0}');
    assert.deepEqual(drain(), [{ topic: "rg/service/sensors/availability", payload: "online", retain: true }]);
    take('HEARTBEAT: alarm {"pid":12}');
    assert.deepEqual(drain(), [], "a service not known here");
  });

  it("says a service never heard since start is offline after two intervals", () => {
    const { drain, clock, states } = rig();
    states.start();
    clock.advance(9_999);
    assert.deepEqual(drain(), []);
    clock.advance(1);
    assert.deepEqual(drain(), [
      { topic: "rg/service/sensors/availability", payload: "offline", retain: true },
      { topic: "rg/service/alarm/availability", payload: "offline", retain: true },
    ]);
    clock.advance(60_000);
    assert.deepEqual(drain(), [], "said once");
  });

  it("publishes the music's state when it changes", () => {
    const { take, drain } = rig();
    take('MUSIC: play {"title":"So What","artist":"Miles Davis","file":"x.mp3","volume":60}');
    take('MUSIC: play {"title":"So What","artist":"Miles Davis","file":"x.mp3","volume":60}');
    take("MUSIC: stop");
    assert.deepEqual(drain(), [
      { topic: "rg/music/state", payload: '{"state":"play","title":"So What","artist":"Miles Davis","volume":60}', retain: true },
      { topic: "rg/music/state", payload: '{"state":"stop"}', retain: true },
    ]);
  });

  it("gives every retained state it knows again, with the latest values, and no event", () => {
    const { take, states, clock } = rig();
    assert.deepEqual(states.republishAll(), []);
    states.start();
    take(`ALARM: armed_away ${JSON.stringify(ARMED)}`);
    take(`ALARM: disarmed ${JSON.stringify({ ...ARMED, state: "disarmed", mode: null })}`);
    take('ALARM: event {"kind":"disarm","at":"2026-12-02T08:29:58.120Z","user":"alice"}');
    take("DOOR: front open");
    take('SENSOR: climate {"temperature_c":21.5}');
    take('HEARTBEAT: sensors {"pid":1}');
    take("MUSIC: pause");
    clock.advance(10_000);
    const all = states.republishAll();
    assert.ok(all.every((p) => p.retain));
    assert.deepEqual(Object.fromEntries(all.map((p) => [p.topic, p.payload.slice(0, 20)])), {
      "rg/alarm/state": "disarmed",
      "rg/alarm/attributes": '{"mode":null,"next_s',
      "rg/alarm/troubles": "0",
      "rg/alarm/troubles/attributes": "{}",
      "rg/alarm/last_event": "disarm",
      "rg/alarm/last_event/attributes": '{"kind":"disarm","at',
      "rg/zone/front/state": "ON",
      "rg/zone/front-tamper/state": "ON",
      "rg/sensor/climate/state": '{"temperature_c":21.',
      "rg/service/sensors/availability": "offline",
      "rg/service/alarm/availability": "offline",
      "rg/music/state": '{"state":"pause"}',
    });
  });

  it("stops its timers on stop, and refuses names that are no topic level", () => {
    const { take, drain, clock, states } = rig();
    states.start();
    take('SENSOR: climate {"temperature_c":1}');
    take('SENSOR: climate {"temperature_c":2}');
    drain();
    states.stop();
    clock.advance(60_000);
    assert.deepEqual(drain(), []);
    assert.throws(() => rig({ sensorIds: ["a/#"] }), /expected a sensor id/);
    assert.throws(() => rig({ zones: [{ name: "+", sensor: "x" }] }), /expected a zone name/);
    assert.throws(() => rig({ baseTopic: "rg/#" }), /expected a base topic/);
    assert.throws(() => rig({ heartbeatIntervalS: 0 }), /heartbeatIntervalS/);
  });
});

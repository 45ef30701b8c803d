import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { initialState, publicView, step } from "../src/machine.js";
import type { AlarmInput, AlarmState } from "../src/types.js";
import { alarmConfig, armedAway, armInput, close, disarmInput, kinds, open, run, S, T0, tick } from "./machine-fixtures.js";

const config = alarmConfig();

describe("alarm machine: siren timeout, re-arm, swinger shutdown", () => {
  it("re-arm with a zone still open bypasses it and says so; another zone still triggers", () => {
    const triggered = run(
      armedAway(),
      [
        [T0, open("window")],
        [T0 + 10 * S, open("front")],
      ],
      config,
    );
    assert.deepEqual(triggered.state.memory, ["window", "front"], "a zone seen during the siren is remembered");
    assert.deepEqual(triggered.state.triggers, { window: 1 }, "but not counted");
    const timedOut = run(triggered.state, [[T0 + 180 * S, tick]], config);
    assert.equal(timedOut.state.state, "armed_away");
    assert.deepEqual(timedOut.events, [
      { kind: "siren_timeout", at: T0 + 180 * S, source: "alarm", mode: "away" },
      { kind: "rearm", at: T0 + 180 * S, source: "alarm", mode: "away", zones: ["front", "window"] },
    ]);
    assert.deepEqual(timedOut.state.bypassed, ["front", "window"]);
    assert.equal(timedOut.state.endsAt, null);
    assert.equal(timedOut.state.triggeredAt, null);
    const again = run(
      timedOut.state,
      [
        [T0 + 200 * S, open("window")],
        [T0 + 201 * S, open("hall")],
      ],
      config,
    );
    assert.equal(again.state.state, "triggered");
    assert.deepEqual(
      again.events.map((event) => event.zone),
      ["hall"],
    );
  });

  it("with disarmAfterTrigger the siren timeout disarms, keeping the memory", () => {
    const cfg = alarmConfig({ disarmAfterTrigger: true });
    const result = run(
      armedAway(cfg),
      [
        [T0, open("window")],
        [T0 + 180 * S, tick],
      ],
      cfg,
    );
    assert.equal(result.state.state, "disarmed");
    assert.equal(result.state.mode, null);
    assert.deepEqual(kinds(result), ["siren_timeout"]);
    assert.deepEqual(result.state.memory, ["window"]);
  });

  it("a tick before the siren's end changes nothing", () => {
    const result = run(
      armedAway(),
      [
        [T0, open("window")],
        [T0 + 179 * S, tick],
      ],
      config,
    );
    assert.equal(result.state.state, "triggered");
    assert.deepEqual(result.events, []);
  });

  it("swinger shutdown: a zone triggers at most maxTriggersPerZone times per armed cycle, says so once, then is ignored silently", () => {
    let state = armedAway();
    let at = T0;
    for (let cycle = 1; cycle <= 3; cycle++) {
      const result = run(
        state,
        [
          [at, open("window")],
          [at + S, close("window")],
          [at + 180 * S, tick],
        ],
        config,
      );
      assert.deepEqual(
        result.all.map((event) => event.kind),
        cycle < 3 ? ["trigger", "siren_timeout", "rearm"] : ["trigger", "zone_shutdown", "siren_timeout", "rearm"],
      );
      assert.equal(result.state.triggers.window, cycle);
      assert.deepEqual(publicView(result.state, at + 180 * S, config).shut_down, cycle < 3 ? [] : ["window"]);
      state = result.state;
      at += 200 * S;
    }
    const shutdown = run(armedAway(), [[T0, open("window")]], alarmConfig({ maxTriggersPerZone: 1 }));
    assert.deepEqual(shutdown.events[1], {
      kind: "zone_shutdown",
      at: T0,
      source: "alarm",
      zone: "window",
      mode: "away",
      reason: "triggered 1 times in this armed cycle (alarm.maxTriggersPerZone): ignored until disarmed",
    });
    const ignored = run(state, [[at, open("window")]], config);
    assert.equal(ignored.state.state, "armed_away");
    assert.deepEqual(ignored.events, []);
    assert.equal(ignored.state.triggers.window, 3, "the count shows the shutdown");
    assert.deepEqual(publicView(ignored.state, at, config).shut_down, ["window"]);
    const other = run(ignored.state, [[at + S, open("bedroom")]], config);
    assert.equal(other.state.state, "triggered", "other zones still trigger");
    const nextCycle = run(
      other.state,
      [
        [at + 2 * S, disarmInput()],
        [at + 3 * S, close("window")],
        [at + 3 * S, close("bedroom")],
        [at + 4 * S, armInput("away")],
        [at + 40 * S, tick],
        [at + 50 * S, open("window")],
      ],
      config,
    );
    assert.equal(nextCycle.state.state, "triggered", "a new armed cycle counts afresh");
    assert.deepEqual(publicView(nextCycle.state, at + 50 * S, config).shut_down, []);
  });

  it("swinger shutdown never silences a 24h or tamper zone, disarmed or armed, however often it sounds", () => {
    for (const [zone, from] of [
      ["smoke", initialState()],
      ["lid", initialState()],
      ["smoke", armedAway()],
      ["lid", armedAway()],
    ] as const) {
      let state: AlarmState = from;
      let at = T0;
      for (let time = 1; time <= 5; time++) {
        const result = run(
          state,
          [
            [at, open(zone)],
            [at + S, close(zone)],
            [at + 180 * S, tick],
          ],
          config,
        );
        assert.deepEqual(
          kinds({ ...result, events: result.all }).slice(0, 2),
          ["trigger", "siren_timeout"],
          `${zone} from ${from.state}, time ${time}`,
        );
        assert.deepEqual(publicView(result.state, at + 180 * S, config).shut_down, []);
        state = result.state;
        at += 200 * S;
      }
    }
  });

  it("a siren that times out to disarmed ends the armed cycle: the counts go, nothing stays shut down", () => {
    const cfg = alarmConfig({ disarmAfterTrigger: true, maxTriggersPerZone: 1 });
    const result = run(
      armedAway(cfg),
      [
        [T0, open("window")],
        [T0 + S, close("window")],
      ],
      cfg,
    );
    assert.deepEqual(kinds({ ...result, events: result.all }), ["trigger", "zone_shutdown"]);
    assert.deepEqual(publicView(result.state, T0 + S, cfg).shut_down, ["window"]);
    const timedOut = run(result.state, [[T0 + 180 * S, tick]], cfg);
    assert.equal(timedOut.state.state, "disarmed");
    assert.deepEqual(timedOut.state.triggers, {});
    assert.deepEqual(publicView(timedOut.state, T0 + 180 * S, cfg).shut_down, []);
  });
});

describe("alarm machine: 24h zones, tamper and chime", () => {
  it("tamper while disarmed triggers without a mode; a disarm silences it and the memory shows it", () => {
    const tamper = run(initialState(), [[T0, open("lid")]], config);
    assert.equal(tamper.state.state, "triggered");
    assert.equal(tamper.state.mode, null);
    assert.deepEqual(tamper.events, [{ kind: "trigger", at: T0, source: "alarm", zone: "lid" }]);
    const silenced = run(tamper.state, [[T0 + 5 * S, disarmInput()]], config);
    assert.equal(silenced.state.state, "disarmed");
    assert.deepEqual(silenced.events, [{ kind: "disarm", at: T0 + 5 * S, user: "alice", source: "keypad" }]);
    assert.deepEqual(silenced.state.memory, ["lid"]);
  });

  it("a 24h trigger from disarmed times out back to disarmed", () => {
    const result = run(
      initialState(),
      [
        [T0, open("smoke")],
        [T0 + 180 * S, tick],
      ],
      config,
    );
    assert.equal(result.state.state, "disarmed");
    assert.deepEqual(kinds(result), ["siren_timeout"]);
    assert.deepEqual(result.state.bypassed, []);
  });

  it("the chime sounds for a door that opens while disarmed, not for a repeat, never while armed", () => {
    const first = step(initialState(), open("bell"), T0, config);
    assert.equal(first.chime, "bell");
    assert.deepEqual(first.events, []);
    assert.equal(step(first.state, open("bell"), T0 + S, config).chime, undefined);
    const reopened = run(first.state, [[T0 + S, close("bell")]], config);
    assert.equal(step(reopened.state, open("bell"), T0 + 2 * S, config).chime, "bell");
    assert.equal(step(armedAway(), open("bell"), T0, config).chime, undefined);
  });

  it("the open list follows every configured zone; unknown zones change nothing", () => {
    const result = run(
      initialState(),
      [
        [T0, open("window")],
        [T0, open("front")],
        [T0, close("window")],
        [T0, open("garage")],
      ],
      config,
    );
    assert.deepEqual(result.state.open, ["front"]);
    assert.deepEqual(step(initialState(), { kind: "trouble", zone: "garage", why: "x" }, T0, config).state, initialState());
  });
});

describe("alarm machine: troubles", () => {
  it("an event only when the trouble changes", () => {
    const why = "sensor fault ENODEV";
    const result = run(
      initialState(),
      [
        [T0, { kind: "trouble", zone: "hall", why }],
        [T0 + S, { kind: "trouble", zone: "hall", why }],
        [T0 + 2 * S, { kind: "trouble", zone: "hall", why: "no heartbeat from sensors" }],
        [T0 + 3 * S, { kind: "trouble_cleared", zone: "hall" }],
        [T0 + 4 * S, { kind: "trouble_cleared", zone: "hall" }],
      ],
      config,
    );
    assert.deepEqual(
      result.all.map((event) => [event.kind, event.reason]),
      [
        ["trouble", why],
        ["trouble", "no heartbeat from sensors"],
        ["trouble_cleared", undefined],
      ],
    );
    assert.deepEqual(result.state.troubles, {});
  });

  it("sensor_ok clears a sensor fault's trouble, in order with the fault, and no other trouble", () => {
    const fault = "sensor fault ENODEV";
    // A fault and the sensor's next reading, applied in the order they came: the reading clears it.
    const cleared = run(
      initialState(),
      [
        [T0, { kind: "trouble", zone: "hall", why: fault }],
        [T0 + S, { kind: "sensor_ok", zone: "hall" }],
      ],
      config,
    );
    assert.deepEqual(
      cleared.all.map((event) => [event.kind, event.zone]),
      [
        ["trouble", "hall"],
        ["trouble_cleared", "hall"],
      ],
    );
    assert.deepEqual(cleared.state.troubles, {});
    // The reading before the fault: the fault stays until the next reading.
    const faultLast = run(
      initialState(),
      [
        [T0, { kind: "sensor_ok", zone: "hall" }],
        [T0 + S, { kind: "trouble", zone: "hall", why: fault }],
      ],
      config,
    );
    assert.deepEqual(faultLast.state.troubles, { hall: fault });
    const silent = run(initialState(), [[T0, { kind: "trouble", zone: "hall", why: "no heartbeat from the sensor reader" }]], config).state;
    const stillSilent = step(silent, { kind: "sensor_ok", zone: "hall" }, T0 + S, config);
    assert.equal(stillSilent.state, silent, "a missing heartbeat is not the sensor's own fault: only the heartbeat clears it");
    assert.deepEqual(stillSilent.events, []);
    for (const zone of ["window", "garage", "constructor", "__proto__"]) {
      const result = step(silent, { kind: "sensor_ok", zone }, T0 + S, config);
      assert.equal(result.state, silent, zone);
      assert.deepEqual(result.events, [], zone);
    }
  });

  it("a trouble's text is kept short (it comes from the bus)", () => {
    const result = step(initialState(), { kind: "trouble", zone: "hall", why: "x".repeat(10_000) }, T0, config);
    assert.equal(result.state.troubles.hall?.length, 200);
  });

  it("a trouble does not trigger an armed zone", () => {
    const result = step(armedAway(), { kind: "trouble", zone: "window", why: "sensor fault" }, T0, config);
    assert.equal(result.state.state, "armed_away");
  });
});

/** The inputs a code other than the disarm's authorizes, which may be a duress code. */
type CodeAction = Extract<AlarmInput, { kind: "arm" | "bypass" }>;
const bypassAs = (zones: string[]): CodeAction => ({ kind: "bypass", zones, user: "alice", source: "cli" });

describe("alarm machine: panic and duress", () => {
  it("panic from pending triggers at once and the entry zone is not blamed", () => {
    const result = run(
      armedAway(),
      [
        [T0, open("front")],
        [T0 + S, { kind: "panic", source: "keypad", user: "alice" }],
      ],
      config,
    );
    assert.equal(result.state.state, "triggered");
    assert.equal(result.state.changedBy, "alice");
    assert.deepEqual(result.events, [{ kind: "panic", at: T0 + S, user: "alice", source: "keypad", mode: "away" }]);
    assert.deepEqual(result.state.memory, []);
  });

  it("panic while triggered is recorded but does not extend the siren", () => {
    const triggered = run(armedAway(), [[T0, open("window")]], config).state;
    const result = step(triggered, { kind: "panic", source: "dashboard" }, T0 + 60 * S, config);
    assert.equal(result.state.endsAt, T0 + 180 * S);
    assert.deepEqual(kinds(result), ["panic"]);
  });

  it("the duress code changes the state exactly as the normal code does", () => {
    const pending = run(armedAway(), [[T0, open("front")]], config).state;
    const normal = step(pending, disarmInput(false), T0 + S, config);
    const duress = step(pending, disarmInput(true), T0 + S, config);
    assert.deepEqual(duress.state, normal.state);
    assert.deepEqual(duress.events.slice(0, 1), normal.events);
    assert.deepEqual(duress.events[1], { kind: "duress", at: T0 + S, user: "alice", source: "keypad" });
  });

  it("a duress code arms and bypasses exactly as the normal code does, and the silent alert goes", () => {
    const opened = run(initialState(), [[T0, open("window")]], config).state;
    for (const input of [armInput("away", "open"), armInput("night", ["window"]), bypassAs(["window"])]) {
      const normal = step(opened, input, T0, config);
      const duress = step(opened, { ...input, duress: true }, T0, config);
      assert.equal(normal.refused, undefined);
      assert.deepEqual(duress.state, normal.state, JSON.stringify(input));
      assert.deepEqual(duress.events.slice(0, -1), normal.events);
      assert.deepEqual(duress.events.at(-1), { kind: "duress", at: T0, user: "alice", source: input.source });
      assert.deepEqual(step(opened, { ...input, duress: false }, T0, config), normal, "duress: false is the normal code");
    }
  });

  it("a duress code whose arm or bypass is refused: the same refusal, and the silent alert still goes", () => {
    const opened = run(initialState(), [[T0, open("window")]], config).state;
    const armed = armedAway();
    const cases: Array<[AlarmState, CodeAction]> = [
      [opened, armInput("away")],
      [armed, armInput("away")],
      [armed, bypassAs(["window"])],
      [opened, bypassAs([])],
    ];
    for (const [from, input] of cases) {
      const normal = step(from, input, T0, config);
      const duress = step(from, { ...input, duress: true }, T0, config);
      assert.ok(normal.refused !== undefined, JSON.stringify(input));
      assert.equal(duress.refused, normal.refused);
      assert.equal(duress.state, from);
      assert.deepEqual(kinds(duress), ["refused", "duress"]);
    }
  });

  it("the duress code while disarmed: the same refusal as the normal code, and the silent alert still goes", () => {
    const normal = step(initialState(), disarmInput(false), T0, config);
    const duress = step(initialState(), disarmInput(true), T0, config);
    assert.equal(normal.refused, "already disarmed");
    assert.equal(duress.refused, normal.refused);
    assert.deepEqual(duress.state, normal.state);
    assert.deepEqual(kinds(duress), ["refused", "duress"]);
  });
});

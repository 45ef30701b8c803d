import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { initialState, step } from "../src/machine.js";
import type { AlarmInput } from "../src/types.js";
import { alarmConfig, armedAway, armInput, close, disarmInput, kinds, open, run, S, T0, tick } from "./machine-fixtures.js";

const config = alarmConfig();

describe("alarm machine: entry delay", () => {
  it("a second entry zone during pending never changes the delay, longer or shorter", () => {
    const pending = run(armedAway(), [[T0, open("back")]], config); // back: 30 s
    assert.equal(pending.state.endsAt, T0 + 30 * S);
    const second = run(pending.state, [[T0 + 5 * S, open("front")]], config); // front: 20 s, would end sooner
    assert.deepEqual(second.events, []);
    assert.equal(second.state.endsAt, T0 + 30 * S);
    const third = run(
      second.state,
      [
        [T0 + 6 * S, close("back")],
        [T0 + 7 * S, open("back")],
      ],
      config,
    );
    assert.equal(third.state.endsAt, T0 + 30 * S, "the zone that started it reopening does not restart it");
    const over = run(third.state, [[T0 + 30 * S, tick]], config);
    assert.equal(over.state.state, "triggered");
    assert.deepEqual(over.events, [{ kind: "trigger", at: T0 + 30 * S, source: "alarm", zone: "back", mode: "away" }]);
    assert.deepEqual(over.state.memory, ["back"]);
    assert.equal(over.state.endsAt, T0 + 210 * S, "the siren runs sirenMaxS from the trigger");
  });

  it("the pending event says which zone and until when; disarming in time leaves no memory", () => {
    const pending = run(armedAway(), [[T0, open("front")]], config);
    assert.deepEqual(pending.events, [{ kind: "pending", at: T0, source: "alarm", zone: "front", until: T0 + 20 * S, mode: "away" }]);
    assert.equal(pending.state.changedBy, "zone:front");
    const disarmed = run(pending.state, [[T0 + 19 * S, disarmInput()]], config);
    assert.equal(disarmed.state.state, "disarmed");
    assert.deepEqual(disarmed.state.memory, []);
    assert.equal(disarmed.state.changedBy, "alice");
  });

  it("a follower triggers at once without an entry delay, and is covered by a running one", () => {
    const alone = run(armedAway(), [[T0, open("hall")]], config);
    assert.equal(alone.state.state, "triggered");
    assert.deepEqual(kinds(alone), ["trigger"]);
    const behindTheDoor = run(
      armedAway(),
      [
        [T0, open("front")],
        [T0 + 3 * S, open("hall")],
        [T0 + 4 * S, close("hall")],
      ],
      config,
    );
    assert.equal(behindTheDoor.state.state, "pending");
    assert.deepEqual(kinds(behindTheDoor), []);
    const over = run(behindTheDoor.state, [[T0 + 20 * S, tick]], config);
    assert.equal(over.events[0]?.zone, "front", "the entry zone triggers, not the follower");
  });

  it("an instant zone during pending triggers at once", () => {
    const result = run(
      armedAway(),
      [
        [T0, open("front")],
        [T0 + 2 * S, open("window")],
      ],
      config,
    );
    assert.equal(result.state.state, "triggered");
    assert.equal(result.state.endsAt, T0 + 182 * S);
    assert.deepEqual(result.state.memory, ["window"]);
    assert.equal(result.state.changedBy, "zone:window");
  });

  it("an entry zone with a delay of 0 triggers at once", () => {
    const cfg = alarmConfig({ entryDelayS: 0, zones: [{ sensor: "front", type: "entry" }] });
    const result = run(armedAway(cfg), [[T0, open("front")]], cfg);
    assert.equal(result.state.state, "triggered");
    assert.deepEqual(kinds(result), ["trigger"]);
  });
});

describe("alarm machine: arming", () => {
  it("arming with the exit door open is allowed; it may open and close; still open at the end starts the entry delay", () => {
    const withDoorOpen = run(initialState(), [[T0 - S, open("front")]], config);
    const arming = run(withDoorOpen.state, [[T0, armInput("away")]], config);
    assert.equal(arming.state.state, "arming");
    assert.deepEqual(arming.state.bypassed, [], "the exit door is not bypassed: it guards the cycle");
    const walkingOut = run(
      arming.state,
      [
        [T0 + 5 * S, close("front")],
        [T0 + 6 * S, open("front")],
        [T0 + 7 * S, open("hall")],
      ],
      config,
    );
    assert.deepEqual(walkingOut.all, [], "the exit delay ignores the way out");
    const over = run(walkingOut.state, [[T0 + 30 * S, tick]], config);
    assert.equal(over.state.state, "pending");
    assert.deepEqual(kinds(over), ["armed", "pending"], "the hall PIR behind the open door is covered");
    assert.equal(over.state.endsAt, T0 + 50 * S);
  });

  it("the exit door closed by the end of the exit delay: armed, nothing else", () => {
    const over = run(
      initialState(),
      [
        [T0, open("front")],
        [T0, armInput("away")],
        [T0 + 10 * S, close("front")],
        [T0 + 30 * S, tick],
      ],
      config,
    );
    assert.equal(over.state.state, "armed_away");
    assert.deepEqual(kinds(over), ["armed"]);
    assert.equal(over.state.changedBy, "alice", "armed by the user who armed, not by the exit delay's timer");
  });

  it("an instant zone opened during the exit delay and still open at its end triggers; a lone follower too", () => {
    const window = run(
      initialState(),
      [
        [T0, armInput("away")],
        [T0 + 10 * S, open("window")],
        [T0 + 30 * S, tick],
      ],
      config,
    );
    assert.equal(window.state.state, "triggered");
    assert.deepEqual(kinds(window), ["armed", "trigger"]);
    const hall = run(
      initialState(),
      [
        [T0, armInput("away")],
        [T0 + 10 * S, open("hall")],
        [T0 + 30 * S, tick],
      ],
      config,
    );
    assert.equal(hall.state.state, "triggered");
    assert.equal(hall.events[1]?.zone, "hall");
  });

  it("the entry zone with the shortest delay starts it when several are open at the end of the exit delay", () => {
    const over = run(
      initialState(),
      [
        [T0, armInput("away")],
        [T0 + S, open("back")],
        [T0 + 2 * S, open("front")],
        [T0 + 30 * S, tick],
      ],
      config,
    );
    assert.equal(over.state.state, "pending");
    assert.equal(over.state.endsAt, T0 + 50 * S, "front's 20 s, not back's 30 s");
  });

  it("without an exit delay an open exit door refuses the arm, and a clean arm is armed at once", () => {
    const cfg = alarmConfig({ exitDelayS: 0 });
    const withDoorOpen = run(initialState(), [[T0, open("front")]], cfg);
    const refused = step(withDoorOpen.state, armInput("away"), T0, cfg);
    assert.equal(refused.refused, "zones not ready: front open (bypass them to arm anyway)");
    const armed = run(initialState(), [[T0, armInput("home")]], cfg);
    assert.equal(armed.state.state, "armed_home");
    assert.deepEqual(kinds(armed), ["arm", "armed"]);
    assert.equal(armed.state.endsAt, null);
  });

  it("an open or troubled zone watched in the mode refuses the arm, naming it; one not watched does not", () => {
    const opened = run(
      initialState(),
      [
        [T0, open("window")],
        [T0, open("bedroom")],
        [T0, { kind: "trouble", zone: "smoke", why: "no heartbeat from sensors" }],
      ],
      config,
    );
    const away = step(opened.state, armInput("away"), T0, config);
    assert.equal(
      away.refused,
      "zones not ready: window open, bedroom open, smoke in trouble (no heartbeat from sensors) (bypass them to arm anyway)",
    );
    assert.deepEqual(away.events, [{ kind: "refused", at: T0, user: "alice", source: "keypad", reason: `arm away: ${away.refused}` }]);
    assert.deepEqual(away.state, opened.state);
    const home = step(opened.state, armInput("home"), T0, config);
    assert.equal(
      home.refused,
      "zones not ready: window open, smoke in trouble (no heartbeat from sensors) (bypass them to arm anyway)",
      "the bedroom is not watched at home",
    );
    const chimeOpen = run(
      initialState(),
      [
        [T0, open("bell")],
        [T0, armInput("away")],
      ],
      config,
    );
    assert.equal(chimeOpen.state.state, "arming", "a chime zone never blocks");
  });

  it("bypass: 'open' bypasses the zones not ready (not the exit door), a list must cover them, unknown names are refused", () => {
    const opened = run(
      initialState(),
      [
        [T0, open("window")],
        [T0, open("front")],
        [T0, { kind: "trouble", zone: "lid", why: "sensor fault" }],
      ],
      config,
    );
    const all = step(opened.state, armInput("away", "open"), T0, config);
    assert.equal(all.state.state, "arming");
    assert.deepEqual(all.state.bypassed, ["lid", "window"]);
    assert.deepEqual(all.events, [
      { kind: "bypass", at: T0, user: "alice", source: "keypad", zones: ["lid", "window"], mode: "away" },
      { kind: "arm", at: T0, user: "alice", source: "keypad", mode: "away" },
    ]);
    assert.equal(
      step(opened.state, armInput("away", ["window"]), T0, config).refused,
      "zones not ready: lid in trouble (sensor fault) (bypass them to arm anyway)",
    );
    assert.deepEqual(step(opened.state, armInput("away", ["window", "lid", "hall"]), T0, config).state.bypassed, ["hall", "lid", "window"]);
    assert.equal(
      step(opened.state, armInput("away", ["window", "garage"]), T0, config).refused,
      "1 unknown zone (the zones are: front, back, hall, window, bedroom, smoke, lid, bell)",
    );
  });

  it("a bypass request while disarmed carries into the next arm; a bypassed zone is ignored while armed", () => {
    const bypassed = run(
      initialState(),
      [
        [T0, open("window")],
        [T0, { kind: "bypass", zones: ["window"], user: "bob", source: "cli" }],
      ],
      config,
    );
    assert.deepEqual(kinds(bypassed), ["bypass"]);
    assert.equal(bypassed.state.changedBy, "bob");
    const armed = run(
      bypassed.state,
      [
        [T0, armInput("away")],
        [T0 + 30 * S, tick],
        [T0 + 40 * S, close("window")],
        [T0 + 41 * S, open("window")],
      ],
      config,
    );
    assert.equal(armed.state.state, "armed_away");
    assert.deepEqual(
      armed.all.map((event) => event.kind),
      ["arm", "armed"],
    );
    const disarmed = run(armed.state, [[T0 + 50 * S, disarmInput()]], config);
    assert.deepEqual(disarmed.state.bypassed, [], "a bypass lasts one arm cycle");
    assert.equal(step(initialState(), { kind: "bypass", zones: [], user: "bob", source: "cli" }, T0, config).refused, "no zones named");
    assert.equal(
      step(initialState(), { kind: "bypass", zones: ["attic"], user: "bob", source: "cli" }, T0, config).refused,
      "1 unknown zone (the zones are: front, back, hall, window, bedroom, smoke, lid, bell)",
    );
  });

  it("unknown zone names from a request are counted, never quoted in the refusal or its event (a code typed there, a flood of names)", () => {
    const names = ["4711", "window", "x".repeat(64), "4711", "constructor", "__proto__"];
    const flood = Array.from({ length: 256 }, (_, i) => `zone-${i}-${"y".repeat(50)}`);
    const inputs: AlarmInput[] = [
      { kind: "bypass", zones: names, user: "bob", source: "cli" },
      armInput("away", names),
      { kind: "bypass", zones: flood, user: "bob", source: "cli" },
    ];
    const expected = ["4 unknown zones", "4 unknown zones", "256 unknown zones"];
    inputs.forEach((input, i) => {
      const result = step(initialState(), input, T0, config);
      assert.equal(result.refused, `${expected[i]} (the zones are: front, back, hall, window, bedroom, smoke, lid, bell)`);
      assert.deepEqual(kinds(result), ["refused"]);
      const published = JSON.stringify(result);
      for (const text of ["4711", "xxxx", "yyyy", "constructor", "__proto__", "zone-"]) assert.ok(!published.includes(text), text);
    });
  });

  it("arm refusals say why: a mode not offered, already armed, disarm first", () => {
    const cfg = alarmConfig({ modes: ["away"] });
    assert.equal(step(initialState(), armInput("night"), T0, cfg).refused, "mode night is not offered (alarm.modes: away)");
    assert.equal(step(armedAway(), armInput("away"), T0, config).refused, "already armed_away");
    assert.equal(step(armedAway(), armInput("home"), T0, config).refused, "disarm first (the alarm is armed_away)");
    const arming = run(initialState(), [[T0, armInput("home")]], config).state;
    assert.equal(step(arming, armInput("home"), T0, config).refused, "already arming home");
  });

  it("arming clears the last cycle's memory and trigger counts", () => {
    const afterAlarm = run(
      armedAway(),
      [
        [T0, open("window")],
        [T0 + S, disarmInput()],
        [T0 + 2 * S, close("window")],
      ],
      config,
    );
    assert.deepEqual(afterAlarm.state.memory, ["window"], "the memory is kept after disarm");
    const rearmed = run(afterAlarm.state, [[T0 + 3 * S, armInput("away")]], config);
    assert.deepEqual(rearmed.state.memory, []);
    assert.deepEqual(rearmed.state.triggers, {});
  });
});

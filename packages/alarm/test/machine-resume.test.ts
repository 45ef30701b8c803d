import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { initialState, nextDeadline, resume } from "../src/machine.js";
import type { AlarmState } from "../src/types.js";
import { alarmConfig, badCode, deepFreeze, fixtureStates, kinds, run, S, T0 } from "./machine-fixtures.js";

const config = alarmConfig();
const fixtures = fixtureStates(config);
for (const state of Object.values(fixtures)) deepFreeze(state);

function fixture(name: string): AlarmState {
  const state = fixtures[name];
  assert.ok(state, name);
  return state;
}

describe("alarm machine: resume after a restart", () => {
  it("every resume starts with a restart event naming the state it found", () => {
    const result = resume(fixture("armed_home"), T0, config);
    assert.deepEqual(result.events, [{ kind: "restart", at: T0, source: "alarm", reason: "resumed armed_home", mode: "home" }]);
    assert.deepEqual(result.state, fixture("armed_home"));
    assert.deepEqual(kinds(resume(initialState(), T0, config)), ["restart"]);
  });

  it("an exit delay still running continues with the time left; one that ended while down is armed now", () => {
    const running = resume(fixture("arming"), T0 + 5 * S, config);
    assert.equal(running.state.state, "arming");
    assert.equal(running.state.endsAt, T0 + 20 * S);
    const ended = resume(fixture("arming"), T0 + 600 * S, config);
    assert.equal(ended.state.state, "armed_away");
    assert.deepEqual(kinds(ended), ["restart", "armed"]);
    assert.equal(ended.state.changedBy, "alice", "still armed by the user who armed");
  });

  it("an entry delay still running continues; one that ran out while down triggers now with the full siren time", () => {
    const running = resume(fixture("pending"), T0 + 10 * S, config);
    assert.equal(running.state.state, "pending");
    assert.equal(running.state.endsAt, T0 + 15 * S);
    assert.deepEqual(kinds(running), ["restart"]);
    const ended = resume(fixture("pending"), T0 + 600 * S, config);
    assert.equal(ended.state.state, "triggered");
    assert.deepEqual(
      ended.events.map((event) => [event.kind, event.zone]),
      [
        ["restart", undefined],
        ["trigger", "front"],
      ],
    );
    assert.equal(ended.state.triggeredAt, T0 + 600 * S);
    assert.equal(ended.state.endsAt, T0 + 780 * S);
  });

  it("a siren sounds again for what is left of sirenMaxS; one past it times out (re-arm, or disarmed from a 24h trigger)", () => {
    const running = resume(fixture("triggered"), T0 + 100 * S, config);
    assert.equal(running.state.state, "triggered");
    assert.equal(running.state.endsAt, T0 + 170 * S);
    assert.equal(nextDeadline(running.state, config), T0 + 170 * S);
    const ended = resume(fixture("triggered"), T0 + 170 * S, config);
    assert.equal(ended.state.state, "armed_away");
    assert.deepEqual(kinds(ended), ["restart", "siren_timeout", "rearm"]);
    assert.deepEqual(ended.state.bypassed, ["window"], "the window left open is bypassed");
    const smoke = resume(fixture("triggered_24h"), T0 + 3600 * S, config);
    assert.equal(smoke.state.state, "disarmed");
    assert.deepEqual(kinds(smoke), ["restart", "siren_timeout"]);
  });

  it("a siren's end follows sirenMaxS as configured now", () => {
    const shorter = alarmConfig({ sirenMaxS: 60 });
    const result = resume(fixture("triggered"), T0 + 30 * S, shorter);
    assert.equal(result.state.endsAt, T0 + 50 * S);
  });

  it("a lockout survives a restart; one that ended while down is lifted", () => {
    let state = initialState();
    for (let i = 0; i < 5; i++) state = run(state, [[T0, badCode]], config).state;
    assert.equal(state.lockout.until, T0 + 30 * S);
    assert.equal(resume(state, T0 + 10 * S, config).state.lockout.until, T0 + 30 * S);
    assert.deepEqual(resume(state, T0 + 31 * S, config).state.lockout, { failures: 5, until: null });
  });

  it("a clock that went back (no RTC) cannot stretch a countdown past its configured length", () => {
    const back = T0 - 3600 * S;
    assert.equal(resume(fixture("arming"), back, config).state.endsAt, back + 30 * S);
    assert.equal(resume(fixture("pending"), back, config).state.endsAt, back + 20 * S, "the front door's own 20 s");
    const triggered = resume(fixture("triggered"), back, config).state;
    assert.equal(triggered.endsAt, back + 180 * S);
    assert.equal(triggered.triggeredAt, back);
    let locked = initialState();
    for (let i = 0; i < 5; i++) locked = run(locked, [[T0, badCode]], config).state;
    const longCap = alarmConfig({ lockout: { attempts: 5, baseS: 30, maxS: 60 } });
    assert.equal(resume(locked, back, longCap).state.lockout.until, back + 60 * S);
  });

  it("an arming state with no deadline (damaged) gets the whole exit delay, never disarmed", () => {
    const damaged: AlarmState = { ...initialState(), state: "arming", mode: "away", endsAt: null };
    const result = resume(damaged, T0, config);
    assert.equal(result.state.state, "arming");
    assert.equal(result.state.endsAt, T0 + 30 * S);
  });
});

describe("alarm machine: nextDeadline", () => {
  it("the countdown's end, or the lockout's, whichever comes first; null without either", () => {
    assert.equal(nextDeadline(fixture("disarmed"), config), null);
    assert.equal(nextDeadline(fixture("armed_away"), config), null);
    assert.equal(nextDeadline(fixture("arming"), config), T0 + 20 * S);
    assert.equal(nextDeadline(fixture("pending"), config), T0 + 15 * S);
    assert.equal(nextDeadline(fixture("triggered"), config), T0 + 170 * S);
    const lockedWhilePending = { ...fixture("pending"), lockout: { failures: 5, until: T0 + 10 * S } };
    assert.equal(nextDeadline(lockedWhilePending, config), T0 + 10 * S);
    const lockedLonger = { ...fixture("pending"), lockout: { failures: 9, until: T0 + 500 * S } };
    assert.equal(nextDeadline(lockedLonger, config), T0 + 15 * S);
  });
});

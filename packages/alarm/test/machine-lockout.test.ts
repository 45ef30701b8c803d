import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { initialState, isLockedOut, nextDeadline, publicView, step } from "../src/machine.js";
import type { AlarmInput, AlarmState } from "../src/types.js";
import { alarmConfig, armInput, badCode, disarmInput, kinds, open, run, S, T0, tick } from "./machine-fixtures.js";

// attempts 5, baseS 30, maxS 900.
const config = alarmConfig();

/** `count` wrong codes, one a second from T0, none of them during a lock (each lock is let run out). */
function wrongCodes(state: AlarmState, count: number): { state: AlarmState; at: number } {
  let at = T0;
  for (let i = 0; i < count; i++) {
    if (isLockedOut(state, at)) at = state.lockout.until ?? at;
    state = run(state, [[at, badCode]], config).state;
    at += S;
  }
  return { state, at };
}

describe("alarm machine: wrong codes and the lockout", () => {
  it("each wrong code is counted; the fifth locks code entry for baseS", () => {
    let state = initialState();
    for (let attempt = 1; attempt <= 4; attempt++) {
      const result = step(state, badCode, T0 + attempt * S, config);
      assert.deepEqual(result.events, [{ kind: "bad_code", at: T0 + attempt * S, source: "keypad", attempts: attempt }]);
      assert.equal(result.state.lockout.until, null);
      state = result.state;
    }
    const fifth = step(state, badCode, T0 + 5 * S, config);
    assert.deepEqual(fifth.events, [
      { kind: "bad_code", at: T0 + 5 * S, source: "keypad", attempts: 5 },
      { kind: "lockout", at: T0 + 5 * S, source: "keypad", attempts: 5, until: T0 + 35 * S },
    ]);
    assert.ok(isLockedOut(fifth.state, T0 + 34 * S));
    assert.ok(!isLockedOut(fifth.state, T0 + 35 * S));
    assert.equal(publicView(fifth.state, T0 + 6 * S, config).lockout_until, new Date(T0 + 35 * S).toISOString());
  });

  it("while locked: arm, disarm, bypass and wrong codes are refused and not counted; panic works", () => {
    const locked = wrongCodes(run(initialState(), [[T0 - 100 * S, armInput("away")]], config).state, 5).state;
    const at = T0 + 10 * S;
    const inputs: AlarmInput[] = [
      armInput("home"),
      { ...armInput("home"), duress: true },
      disarmInput(),
      disarmInput(true),
      { kind: "bypass", zones: ["window"], user: "alice", source: "cli", duress: true },
      { kind: "bypass", zones: ["window"], user: "alice", source: "cli" },
      badCode,
    ];
    for (const input of inputs) {
      const result = step(locked, input, at, config);
      assert.equal(result.refused, `code entry locked until ${new Date(T0 + 34 * S).toISOString()}`, input.kind);
      assert.deepEqual(result.state, locked, `${input.kind} changes nothing`);
      assert.deepEqual(kinds(result), ["refused"]);
    }
    const panic = step(locked, { kind: "panic", source: "keypad" }, at, config);
    assert.equal(panic.state.state, "triggered");
    assert.equal(panic.refused, undefined);
  });

  it("doubling per further failure past the threshold, capped at maxS", () => {
    let { state } = wrongCodes(initialState(), 5);
    const lengths: number[] = [];
    for (let failure = 6; failure <= 12; failure++) {
      const at = state.lockout.until ?? T0;
      const result = step(state, badCode, at, config);
      const lockout = result.events.find((event) => event.kind === "lockout");
      assert.ok(lockout?.until !== undefined);
      lengths.push((lockout.until - at) / S);
      assert.equal(result.state.lockout.failures, failure);
      state = result.state;
    }
    assert.deepEqual(lengths, [60, 120, 240, 480, 900, 900, 900]);
  });

  it("the lock's end is a deadline; a tick there lifts it and keeps the count, so the next wrong code locks longer", () => {
    const { state } = wrongCodes(initialState(), 5);
    const until = T0 + 34 * S;
    assert.equal(nextDeadline(state, config), until);
    assert.deepEqual(step(state, tick, until - 1, config).state.lockout, { failures: 5, until });
    const lifted = step(state, tick, until, config);
    assert.deepEqual(lifted.state.lockout, { failures: 5, until: null });
    assert.deepEqual(lifted.events, []);
    assert.equal(nextDeadline(lifted.state, config), null);
    const again = step(lifted.state, badCode, until + S, config);
    assert.equal(again.state.lockout.until, until + S + 60 * S);
  });

  it("a right code resets the count: disarm, arm or bypass", () => {
    const four = wrongCodes(run(initialState(), [[T0 - 100 * S, armInput("away")]], config).state, 4).state;
    assert.deepEqual(step(four, disarmInput(), T0 + 10 * S, config).state.lockout, { failures: 0, until: null });
    const fourDisarmed = wrongCodes(initialState(), 4).state;
    assert.deepEqual(step(fourDisarmed, armInput("away"), T0 + 10 * S, config).state.lockout, { failures: 0, until: null });
    const bypass: AlarmInput = { kind: "bypass", zones: ["window"], user: "alice", source: "cli" };
    assert.deepEqual(step(fourDisarmed, bypass, T0 + 10 * S, config).state.lockout, { failures: 0, until: null });
  });

  it("a refused arm with the right code (a zone open) does not reset the count: a refusal changes nothing", () => {
    const four = wrongCodes(run(initialState(), [[T0 - 100 * S, open("window")]], config).state, 4).state;
    const refused = step(four, armInput("away"), T0 + 10 * S, config);
    assert.ok(refused.refused);
    assert.equal(refused.state.lockout.failures, 4);
  });

  it("a lock that ran out without its tick no longer refuses", () => {
    const { state } = wrongCodes(initialState(), 5);
    const result = step(state, armInput("away"), T0 + 60 * S, config);
    assert.equal(result.refused, undefined);
    assert.equal(result.state.state, "arming");
  });
});

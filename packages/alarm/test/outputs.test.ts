// The siren and the buzzer on the simulated backend: the pin levels a meter on the header would read.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createSimHal } from "@roomguard/hal/sim";
import { ManualClock } from "@roomguard/runtime";
import { buzzerPattern } from "../src/buzzer-pattern.js";
import { initialState } from "../src/machine.js";
import { AlarmOutputs } from "../src/outputs.js";
import type { AlarmState } from "../src/types.js";

function rig(siren: number | null, buzzer: number | null, activeLow = false) {
  const clock = new ManualClock();
  const hal = createSimHal({ clock });
  let state: AlarmState = initialState();
  const outputs = new AlarmOutputs(hal, { siren: { pin: siren, activeLow }, buzzer: { pin: buzzer, activeLow } }, clock, () =>
    buzzerPattern(state, clock.now()),
  );
  const set = (next: Partial<AlarmState>): void => {
    state = { ...state, ...next };
    outputs.update(state.state === "triggered");
  };
  /** The buzzer pin's level every 50 ms for `ms`. */
  const trace = (pin: number, ms: number): string => {
    let levels = "";
    for (let t = 0; t < ms; t += 50) {
      levels += String(hal.gpio.level(pin));
      clock.advance(50);
    }
    return levels;
  };
  return { clock, hal, outputs, set, trace };
}

describe("the siren and the buzzer", () => {
  it("the siren pin is high while triggered, low otherwise; activeLow inverts it", () => {
    const r = rig(18, null);
    assert.equal(r.hal.gpio.level(18), 0);
    r.set({ state: "triggered", endsAt: r.clock.now() + 180_000 });
    assert.equal(r.hal.gpio.level(18), 1);
    r.set({ state: "disarmed", endsAt: null });
    assert.equal(r.hal.gpio.level(18), 0);
    const low = rig(18, null, true);
    assert.equal(low.hal.gpio.level(18), 1, "an active-low siren is off when high");
    low.set({ state: "triggered", endsAt: low.clock.now() + 1000 });
    assert.equal(low.hal.gpio.level(18), 0);
    assert.deepEqual(r.outputs.pins(), [{ pin: 18, purpose: "siren" }]);
  });

  it("the buzzer beeps once a second in the exit delay, twice as fast at its end, an urgent pattern in the entry delay, and stops", () => {
    const r = rig(18, 17);
    r.set({ state: "arming", mode: "away", endsAt: r.clock.now() + 30_000 });
    assert.equal(r.trace(17, 2000), "11000000000000000000".repeat(2), "100 ms on, 900 ms off (a sample every 50 ms)");
    r.clock.advance(18_000);
    assert.equal(r.trace(17, 1000), "1100000000".repeat(2), "the last 10 s: 100 on, 400 off");
    r.set({ state: "pending", endsAt: r.clock.now() + 30_000 });
    assert.equal(r.trace(17, 1000), "11111000001111100000", "entry: 250 on, 250 off");
    r.set({ state: "armed_away", endsAt: null });
    r.clock.advance(1000);
    assert.equal(r.trace(17, 2000), "0".repeat(40), "silent once armed");
    assert.equal(r.hal.gpio.level(18), 0, "the siren never sounded");
  });

  it("one pin for both: it beeps in the delays and sounds steadily when triggered", () => {
    const r = rig(18, 18);
    assert.deepEqual(r.outputs.pins(), [{ pin: 18, purpose: "siren and buzzer" }]);
    r.set({ state: "pending", endsAt: r.clock.now() + 30_000 });
    assert.equal(r.trace(18, 500), "1111100000");
    r.set({ state: "triggered", endsAt: r.clock.now() + 180_000 });
    assert.equal(r.trace(18, 1000), "1".repeat(20));
    r.set({ state: "disarmed", endsAt: null });
    assert.equal(r.trace(18, 1000), "0".repeat(20));
  });

  it("closing leaves every pin low", () => {
    const r = rig(18, 17);
    r.set({ state: "triggered", endsAt: r.clock.now() + 1000 });
    r.outputs.close();
    assert.equal(r.hal.gpio.level(18), 0);
    assert.equal(r.hal.gpio.level(17), 0);
  });

  it("a pin that cannot be driven is a problem, not a crash: the other output works on", () => {
    const clock = new ManualClock();
    const hal = createSimHal({ clock });
    const squatter = hal.openOutput(17);
    const outputs = new AlarmOutputs(
      hal,
      { siren: { pin: 17, activeLow: false }, buzzer: { pin: 18, activeLow: false } },
      clock,
      () => null,
    );
    assert.match(outputs.problem() ?? "", /^cannot drive the siren on BCM 17: /);
    assert.deepEqual(outputs.pins(), [{ pin: 18, purpose: "buzzer" }]);
    outputs.update(true);
    squatter.close();
  });
});

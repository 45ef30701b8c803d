import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { BUZZER_PATTERNS, buzzerPattern, nextBuzzerChange } from "../src/buzzer-pattern.js";
import { alarmConfig, fixtureStates, S, T0 } from "./machine-fixtures.js";

const config = alarmConfig();
// arming ends at T0+20s, pending at T0+15s.
const fixtures = fixtureStates(config);

describe("buzzer pattern", () => {
  it("exit delay: a short beep a second, twice as fast in the last 10 s, still fast when the tick is late", () => {
    const arming = fixtures.arming!;
    assert.deepEqual(buzzerPattern(arming, T0), { onMs: 100, offMs: 900 });
    assert.deepEqual(buzzerPattern(arming, T0 + 10 * S - 1), { onMs: 100, offMs: 900 });
    assert.deepEqual(buzzerPattern(arming, T0 + 10 * S), { onMs: 100, offMs: 400 });
    assert.deepEqual(buzzerPattern(arming, T0 + 25 * S), { onMs: 100, offMs: 400 });
    const period = (pattern: { onMs: number; offMs: number }) => pattern.onMs + pattern.offMs;
    assert.equal(period(BUZZER_PATTERNS.exit), 2 * period(BUZZER_PATTERNS.exitEnding));
  });

  it("entry delay: a different, more urgent pattern, faster in the last 10 s", () => {
    const pending = fixtures.pending!;
    assert.deepEqual(buzzerPattern(pending, T0), { onMs: 250, offMs: 250 });
    assert.deepEqual(buzzerPattern(pending, T0 + 5 * S), { onMs: 100, offMs: 100 });
    assert.notDeepEqual(BUZZER_PATTERNS.entry, BUZZER_PATTERNS.exit);
    assert.notDeepEqual(BUZZER_PATTERNS.entryEnding, BUZZER_PATTERNS.exitEnding);
  });

  it("silent in every other state, triggered included (the siren has its own pin)", () => {
    for (const name of ["disarmed", "armed_away", "armed_home", "armed_night", "triggered", "triggered_24h"]) {
      assert.equal(buzzerPattern(fixtures[name]!, T0), null, name);
      assert.equal(nextBuzzerChange(fixtures[name]!, T0), null, name);
    }
  });

  it("the next change is the start of the last 10 s, then none (the state's own change follows)", () => {
    assert.equal(nextBuzzerChange(fixtures.arming!, T0), T0 + 10 * S);
    assert.equal(nextBuzzerChange(fixtures.arming!, T0 + 10 * S), null);
    assert.equal(nextBuzzerChange(fixtures.pending!, T0), T0 + 5 * S);
  });
});

import assert from "node:assert/strict";
import { validateConfig } from "@roomguard/config";
import { initialState, step } from "../src/machine.js";
import type { AlarmConfig, AlarmInput, AlarmState, ArmMode, Step } from "../src/types.js";

/** The tests' "now": a fixed epoch ms, so times in assertions read as offsets from it. */
export const T0 = Date.UTC(2025, 0, 1, 12, 0, 0);
export const S = 1000;

/**
 * A flat: front door (entry, 20 s) and back door (entry, default 30 s), a hall PIR follower
 * (away and night), a window (instant), a bedroom PIR (instant, away only: off at home and at
 * night), smoke (24h), the panel's lid (tamper) and a door chime (sensor `door`, zone `bell`).
 */
export function alarmConfig(overrides: Record<string, unknown> = {}): AlarmConfig {
  const result = validateConfig({
    alarm: {
      exitDelayS: 30,
      entryDelayS: 30,
      sirenMaxS: 180,
      maxTriggersPerZone: 3,
      lockout: { attempts: 5, baseS: 30, maxS: 900 },
      zones: [
        { sensor: "front-door", name: "front", type: "entry", entryDelayS: 20 },
        { sensor: "back-door", name: "back", type: "entry" },
        { sensor: "hall-pir", name: "hall", type: "follower", modes: ["away", "night"] },
        { sensor: "window", type: "instant" },
        { sensor: "bedroom-pir", name: "bedroom", type: "instant", modes: ["away"] },
        { sensor: "smoke", type: "24h" },
        { sensor: "lid", type: "tamper" },
        { sensor: "door", name: "bell", type: "chime" },
      ],
      ...overrides,
    },
  });
  if (!result.ok) throw new Error(`test config is invalid: ${JSON.stringify(result.issues)}`);
  return result.config.alarm;
}

export const armInput = (mode: ArmMode, bypass: string[] | "open" | "none" = "none"): Extract<AlarmInput, { kind: "arm" }> => ({
  kind: "arm",
  mode,
  user: "alice",
  source: "keypad",
  bypass,
});
export const disarmInput = (duress = false): AlarmInput => ({ kind: "disarm", user: "alice", source: "keypad", duress });
export const open = (zone: string): AlarmInput => ({ kind: "zone", zone, open: true });
export const close = (zone: string): AlarmInput => ({ kind: "zone", zone, open: false });
export const badCode: AlarmInput = { kind: "bad_code", source: "keypad" };
export const tick: AlarmInput = { kind: "tick" };

/** Feeds inputs at given times, asserting none is refused; returns the last step and every event. */
export function run(state: AlarmState, inputs: Array<[number, AlarmInput]>, config: AlarmConfig): Step & { all: Step["events"] } {
  let last: Step = { state, events: [] };
  const all: Step["events"] = [];
  for (const [at, input] of inputs) {
    last = step(last.state, input, at, config);
    assert.equal(
      last.refused,
      undefined,
      `${JSON.stringify(input)} at T0${at - T0 >= 0 ? "+" : ""}${(at - T0) / S}s was refused: ${last.refused}`,
    );
    all.push(...last.events);
  }
  return { ...last, all };
}

/** The states of the table, each reached through the machine itself, as they are at T0. */
export function fixtureStates(config: AlarmConfig): Record<string, AlarmState> {
  const disarmed = initialState();
  const armed = (mode: ArmMode) =>
    run(
      disarmed,
      [
        [T0 - 60 * S, armInput(mode)],
        [T0 - 30 * S, tick],
      ],
      config,
    ).state;
  return {
    disarmed,
    // Exit delay ends at T0+20s.
    arming: run(disarmed, [[T0 - 10 * S, armInput("away")]], config).state,
    armed_away: armed("away"),
    armed_home: armed("home"),
    armed_night: armed("night"),
    // The front door opened at T0-5s: the entry delay ends at T0+15s; the door is still open.
    pending: run(armed("away"), [[T0 - 5 * S, open("front")]], config).state,
    // The window opened at T0-10s: the siren ends at T0+170s; the window is still open.
    triggered: run(armed("away"), [[T0 - 10 * S, open("window")]], config).state,
    // Smoke while disarmed at T0-10s: triggered without a mode; smoke still detected.
    triggered_24h: run(disarmed, [[T0 - 10 * S, open("smoke")]], config).state,
  };
}

/** Freezes an object and everything in it, so that a step that mutated its input would throw. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object") {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

export const kinds = (result: Step) => result.events.map((event) => event.kind);

/** Armed away at T0 (armed at T0-30s), under `cfg` (default: the flat's config). */
export function armedAway(cfg: AlarmConfig = alarmConfig()): AlarmState {
  return run(
    initialState(),
    [
      [T0 - 60 * S, armInput("away")],
      [T0 - 30 * S, tick],
    ],
    cfg,
  ).state;
}

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isDeepStrictEqual } from "node:util";
import { step } from "../src/machine.js";
import type { AlarmInput, AlarmState, ArmMode } from "../src/types.js";
import { zoneNameOf } from "../src/zones.js";
import {
  alarmConfig,
  armInput,
  badCode,
  close,
  deepFreeze,
  disarmInput,
  fixtureStates,
  kinds,
  open,
  S,
  T0,
  tick,
} from "./machine-fixtures.js";

const config = alarmConfig();
const fixtures = fixtureStates(config);
for (const state of Object.values(fixtures)) deepFreeze(state);

/** The columns of the table, in this order. */
const STATES = ["disarmed", "arming", "armed_away", "armed_home", "armed_night", "pending", "triggered", "triggered_24h"] as const;

/**
 * Every input × every state. An expectation is `R` (refused: the state unchanged, one `refused`
 * event, then the events named after it), or `<state>[/<mode>]: <event kinds>` where `=` is the
 * state it started in and the mode, unless given (`-` for none), is the armed state's own, none
 * when disarmed, else the mode the state had. Fixtures (machine-fixtures.ts): arming ends at
 * T0+20s, pending (front door open) at T0+15s, triggered (window open) at T0+170s, smoke
 * triggered from disarmed at T0+170s.
 */
const TABLE: Array<[string, AlarmInput, number, readonly string[]]> = [
  ["arm away", armInput("away"), T0, ["arming/away: arm", "R", "R", "R", "R", "R", "R", "R"]],
  ["arm home", armInput("home"), T0, ["arming/home: arm", "R", "R", "R", "R", "R", "R", "R"]],
  ["arm night", armInput("night"), T0, ["arming/night: arm", "R", "R", "R", "R", "R", "R", "R"]],
  [
    "arm away with the duress code",
    { ...armInput("away"), duress: true },
    T0,
    ["arming/away: arm,duress", ...Array<string>(7).fill("R duress")],
  ],
  ["disarm", disarmInput(), T0, ["R", ...Array<string>(7).fill("disarmed: disarm")]],
  ["disarm with the duress code", disarmInput(true), T0, ["R duress", ...Array<string>(7).fill("disarmed: disarm,duress")]],
  ["bad code", badCode, T0, Array<string>(8).fill("=: bad_code")],
  [
    "bypass window",
    { kind: "bypass", zones: ["window"], user: "alice", source: "cli" },
    T0,
    ["=: bypass", "R", "R", "R", "R", "R", "R", "R"],
  ],
  [
    "bypass window with the duress code",
    { kind: "bypass", zones: ["window"], user: "alice", source: "cli", duress: true },
    T0,
    ["=: bypass,duress", ...Array<string>(7).fill("R duress")],
  ],
  [
    "panic",
    { kind: "panic", source: "dashboard" },
    T0,
    [
      "triggered/-: panic",
      "triggered: panic",
      "triggered: panic",
      "triggered: panic",
      "triggered: panic",
      "triggered: panic",
      "=: panic",
      "=: panic",
    ],
  ],
  [
    "entry zone opens",
    open("front"),
    T0,
    ["=:", "=:", "pending: pending", "pending: pending", "pending: pending", "=:", "=: trigger", "=:"],
  ],
  [
    "second entry zone opens",
    open("back"),
    T0,
    ["=:", "=:", "pending: pending", "pending: pending", "pending: pending", "=:", "=: trigger", "=:"],
  ],
  ["follower opens", open("hall"), T0, ["=:", "=:", "triggered: trigger", "=:", "triggered: trigger", "=:", "=: trigger", "=:"]],
  [
    "instant zone opens",
    open("window"),
    T0,
    ["=:", "=:", "triggered: trigger", "triggered: trigger", "triggered: trigger", "triggered: trigger", "=:", "=:"],
  ],
  [
    "away-only instant zone opens",
    open("bedroom"),
    T0,
    ["=:", "=:", "triggered: trigger", "=:", "=:", "triggered: trigger", "=: trigger", "=:"],
  ],
  [
    "24h zone opens",
    open("smoke"),
    T0,
    [
      "triggered/-: trigger",
      "triggered: trigger",
      "triggered: trigger",
      "triggered: trigger",
      "triggered: trigger",
      "triggered: trigger",
      "=: trigger",
      "=:",
    ],
  ],
  [
    "tamper zone opens",
    open("lid"),
    T0,
    [
      "triggered/-: trigger",
      "triggered: trigger",
      "triggered: trigger",
      "triggered: trigger",
      "triggered: trigger",
      "triggered: trigger",
      "=: trigger",
      "=: trigger",
    ],
  ],
  ["chime zone opens", open("bell"), T0, Array<string>(8).fill("=:")],
  ["entry zone closes", close("front"), T0, Array<string>(8).fill("=:")],
  ["trouble", { kind: "trouble", zone: "hall", why: "sensor fault ENODEV" }, T0, Array<string>(8).fill("=: trouble")],
  ["trouble cleared that was not there", { kind: "trouble_cleared", zone: "hall" }, T0, Array<string>(8).fill("=:")],
  ["a sensor without a trouble speaks normally", { kind: "sensor_ok", zone: "hall" }, T0, Array<string>(8).fill("=:")],
  ["tick before any deadline", tick, T0, Array<string>(8).fill("=:")],
  [
    "tick after every deadline",
    tick,
    T0 + 200 * S,
    ["=:", "armed_away: armed", "=:", "=:", "=:", "triggered: trigger", "armed_away: siren_timeout,rearm", "disarmed: siren_timeout"],
  ],
];

function expectedMode(stateName: string, given: string | undefined, from: AlarmState): ArmMode | null {
  if (given === "-") return null;
  if (given !== undefined) return given as ArmMode;
  if (stateName.startsWith("armed_")) return stateName.slice("armed_".length) as ArmMode;
  return stateName === "disarmed" ? null : from.mode;
}

describe("alarm machine: every state × every input", () => {
  for (const [label, input, at, expectations] of TABLE) {
    assert.equal(expectations.length, STATES.length, `${label}: one expectation per state`);
    STATES.forEach((stateLabel, column) => {
      const expectation = expectations[column] ?? "";
      it(`${stateLabel} + ${label} → ${expectation}`, () => {
        const from = fixtures[stateLabel];
        assert.ok(from);
        const result = step(from, input, at, config);
        assert.ok(
          result.events.every((event) => event.at === at),
          "every event is stamped with now",
        );
        const chimes = stateLabel === "disarmed" && label === "chime zone opens";
        assert.equal(result.chime, chimes ? "bell" : undefined);
        if (isDeepStrictEqual(result.state, from)) assert.equal(result.state, from, "a state that did not change is the same object");
        else assert.notEqual(result.state, from);
        if (expectation.startsWith("R")) {
          assert.equal(typeof result.refused, "string");
          assert.equal(result.state, from, "a refused input leaves the state as it was, the same object");
          assert.deepEqual(kinds(result), ["refused", ...expectation.slice(1).trim().split(/\s+/).filter(Boolean)]);
          return;
        }
        const match = /^([a-z_=]+)(?:\/([a-z-]+))?:\s*(.*)$/.exec(expectation);
        assert.ok(match, `bad expectation ${expectation}`);
        const [, name = "", mode, events = ""] = match;
        const stateName = name === "=" ? from.state : name;
        assert.equal(result.refused, undefined);
        assert.equal(result.state.state, stateName);
        assert.equal(result.state.mode, expectedMode(stateName, mode, from));
        assert.deepEqual(kinds(result), events === "" ? [] : events.split(","));
      });
    });
  }

  it("the table covers every input kind and every zone type", () => {
    const inputKinds = new Set(TABLE.map(([, input]) => input.kind));
    assert.deepEqual([...inputKinds].sort(), [
      "arm",
      "bad_code",
      "bypass",
      "disarm",
      "panic",
      "sensor_ok",
      "tick",
      "trouble",
      "trouble_cleared",
      "zone",
    ]);
    const opened = TABLE.flatMap(([, input]) => (input.kind === "zone" && input.open ? [input.zone] : []));
    const types = new Set(config.zones.filter((zone) => opened.includes(zoneNameOf(zone))).map((zone) => zone.type));
    assert.deepEqual([...types].sort(), ["24h", "chime", "entry", "follower", "instant", "tamper"]);
  });

  it("an input that changes nothing returns the very state it was given, so the service stores and publishes nothing", () => {
    const cases: Array<[string, AlarmInput, number]> = [
      ["armed_away", close("window"), T0],
      ["pending", open("front"), T0],
      ["triggered", open("window"), T0],
      ["disarmed", open("garage"), T0],
      ["disarmed", { kind: "trouble_cleared", zone: "hall" }, T0],
      ["armed_away", { kind: "sensor_ok", zone: "window" }, T0],
      ["disarmed", disarmInput(), T0],
      ["armed_away", armInput("away"), T0],
      ["arming", tick, T0],
      ["armed_away", tick, T0 + 3600 * S],
      ["triggered", { kind: "panic", source: "dashboard" }, T0],
    ];
    for (const [label, input, at] of cases) {
      const from = fixtures[label];
      assert.ok(from);
      assert.equal(step(from, input, at, config).state, from, `${label} + ${JSON.stringify(input)}`);
    }
    const windowOpen = step(fixtures.disarmed!, open("window"), T0, config).state;
    assert.notEqual(windowOpen, fixtures.disarmed, "a change is a new object");
    assert.equal(
      step(windowOpen, open("window"), T0 + S, config).state,
      windowOpen,
      "a door reported open twice: the second changes nothing",
    );
    const troubled = step(fixtures.disarmed!, { kind: "trouble", zone: "hall", why: "sensor fault ENODEV" }, T0, config).state;
    assert.equal(step(troubled, { kind: "trouble", zone: "hall", why: "sensor fault ENODEV" }, T0 + S, config).state, troubled);
  });

  it("the fixtures are the states they are named after", () => {
    for (const label of STATES) {
      const expected = label === "triggered_24h" ? "triggered" : label;
      assert.equal(fixtures[label]?.state, expected, label);
    }
    assert.equal(fixtures.triggered_24h?.mode, null);
    assert.equal(fixtures.arming?.endsAt, T0 + 20 * S);
    assert.equal(fixtures.pending?.endsAt, T0 + 15 * S);
    assert.equal(fixtures.triggered?.endsAt, T0 + 170 * S);
  });
});

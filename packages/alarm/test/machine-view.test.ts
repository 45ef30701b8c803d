import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { publicView } from "../src/machine.js";
import { alarmConfig, fixtureStates, S, T0 } from "./machine-fixtures.js";

const config = alarmConfig();
const fixtures = fixtureStates(config);
const iso = (ms: number) => new Date(ms).toISOString();

describe("alarm machine: the ALARM: payload", () => {
  it("disarmed: no mode, no countdown", () => {
    assert.deepEqual(publicView(fixtures.disarmed!, T0, config), {
      mode: null,
      next_state: null,
      delay_s: null,
      ends_at: null,
      changed_by: "alarm",
      open_zones: [],
      bypassed: [],
      shut_down: [],
      troubles: {},
      memory: [],
      lockout_until: null,
    });
  });

  it("arming: leads to the armed mode, seconds left rounded up", () => {
    const view = publicView(fixtures.arming!, T0 + 500, config);
    assert.equal(view.mode, "away");
    assert.equal(view.next_state, "armed_away");
    assert.equal(view.delay_s, 20, "19.5 s left shows as 20");
    assert.equal(view.ends_at, iso(T0 + 20 * S));
    assert.equal(view.changed_by, "alice");
    assert.equal(publicView(fixtures.arming!, T0 + 60 * S, config).delay_s, 0, "never negative while the tick is late");
  });

  it("pending: leads to triggered, with the zone that started it and what is open", () => {
    const view = publicView(fixtures.pending!, T0, config);
    assert.equal(view.next_state, "triggered");
    assert.equal(view.delay_s, 15);
    assert.equal(view.changed_by, "zone:front");
    assert.deepEqual(view.open_zones, ["front"]);
  });

  it("triggered: the memory, no countdown shown", () => {
    const view = publicView(fixtures.triggered!, T0, config);
    assert.equal(view.next_state, null);
    assert.equal(view.delay_s, null);
    assert.equal(view.ends_at, null);
    assert.deepEqual(view.memory, ["window"]);
    assert.equal(view.changed_by, "zone:window");
  });

  it("is JSON with the fields alarm-spec.md lists, and a copy the caller may change", () => {
    const state = { ...fixtures.disarmed!, troubles: { hall: "sensor fault" }, bypassed: ["window", "back"] };
    const view = publicView(state, T0, config);
    assert.deepEqual(Object.keys(view).sort(), [
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
    assert.deepEqual(view.bypassed, ["back", "window"]);
    view.troubles.hall = "changed";
    assert.equal(state.troubles.hall, "sensor fault");
    assert.deepEqual(JSON.parse(JSON.stringify(view)), view);
  });
});

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { EVENTS_KEPT, type AlarmSection, type DashboardState, type ServerMessage } from "../page/protocol.js";
import { ARMED_AWAY } from "@roomguard/testing";
import { EMPTY_PAGE, applyMessage, isAllowed, secondsUntil, serverNowMs, type PageState } from "../page/state.js";

const alarm: AlarmSection = { ...ARMED_AWAY, state: "disarmed", mode: null, changed_by: "boot" };

const dash: DashboardState = {
  alarm,
  zones: { front: { type: "entry", sensor: "front", open: false, trouble: null, at: 1 } },
  sensors: { climate: { reading: { temperature_c: 21 }, state: null, fault: null, at: 1 } },
  music: null,
  services: null,
  events: [],
};

const hello: ServerMessage = {
  t: "hello",
  v: 1,
  user: "ann",
  role: "user",
  insecure: false,
  sim: false,
  allowed: ["arm", "audit"],
  now: 10_000,
};

function live(): PageState {
  return applyMessage(applyMessage(EMPTY_PAGE, hello, 9_000), { t: "snapshot", state: dash, now: 10_500 }, 10_000);
}

describe("applying the gateway's messages", () => {
  it("hello keeps the old data unsynced and takes the clock offset; the snapshot replaces it whole", () => {
    const before = { ...live(), dash: { ...dash, music: { state: "play" } } };
    const greeted = applyMessage(before, hello, 9_000);
    assert.equal(greeted.dash, before.dash);
    assert.equal(greeted.synced, false);
    assert.equal(greeted.offsetMs, 1_000);
    assert.equal(applyMessage(greeted, { t: "set", section: "music", value: null }, 0), greeted, "no change applies to old data");
    const page = applyMessage(greeted, { t: "snapshot", state: dash, now: 10_500 }, 10_000);
    assert.equal(page.dash, dash);
    assert.equal(page.synced, true);
    assert.equal(page.offsetMs, 500);
    assert.equal(serverNowMs(page, 20_000), 20_500);
  });
  it("a tick moves the offset only", () => {
    const page = live();
    const ticked = applyMessage(page, { t: "tick", now: 50_000 }, 52_000);
    assert.equal(ticked.offsetMs, -2_000);
    assert.equal(ticked.dash, page.dash);
  });
  it("set replaces a section or one entry, null deleting it, without touching the old state", () => {
    const page = live();
    const armed = applyMessage(page, { t: "set", section: "alarm", value: { ...alarm, state: "armed_away" } }, 0);
    assert.equal(armed.dash?.alarm?.state, "armed_away");
    assert.equal(page.dash?.alarm?.state, "disarmed");
    const opened = applyMessage(page, { t: "set", section: "zones", name: "front", value: { ...dash.zones.front, open: true } }, 0);
    assert.equal(opened.dash?.zones.front?.open, true);
    assert.equal(page.dash?.zones.front?.open, false);
    const added = applyMessage(
      page,
      { t: "set", section: "zones", name: "hall", value: { type: "interior", sensor: "hall", open: null, trouble: null, at: null } },
      0,
    );
    assert.deepEqual(Object.keys(added.dash?.zones ?? {}), ["front", "hall"]);
    const gone = applyMessage(page, { t: "set", section: "sensors", name: "climate", value: null }, 0);
    assert.deepEqual(gone.dash?.sensors, {});
    const noMusic = applyMessage(
      applyMessage(page, { t: "set", section: "music", value: { state: "play" } }, 0),
      { t: "set", section: "music", value: null },
      0,
    );
    assert.equal(noMusic.dash?.music, null);
    assert.equal(
      applyMessage(page, { t: "set", section: "zones", value: null }, 0).dash,
      page.dash,
      "a zones set without a name is ignored",
    );
  });
  it("changes before the snapshot are dropped (the snapshot will hold them)", () => {
    const greeted = applyMessage(EMPTY_PAGE, hello, 0);
    assert.equal(applyMessage(greeted, { t: "set", section: "alarm", value: alarm }, 0), greeted);
    assert.equal(applyMessage(greeted, { t: "event", event: { kind: "armed", at: "x" } }, 0), greeted);
  });
  it("events append and keep the latest EVENTS_KEPT", () => {
    let page = live();
    for (let i = 0; i < EVENTS_KEPT + 5; i++) page = applyMessage(page, { t: "event", event: { kind: "bad_code", at: String(i) } }, 0);
    assert.equal(page.dash?.events.length, EVENTS_KEPT);
    assert.equal(page.dash?.events[0]?.at, "5");
    assert.equal(page.dash?.events.at(-1)?.at, String(EVENTS_KEPT + 4));
  });
  it("replies and byes leave the state as it is", () => {
    const page = live();
    assert.equal(applyMessage(page, { t: "bye", reason: "stopping" }, 0), page);
    assert.equal(applyMessage(page, { t: "reply", id: "1", ok: true, result: null }, 0), page);
  });
  it("tells what the role may send, nothing before hello", () => {
    assert.equal(isAllowed(live(), "arm"), true);
    assert.equal(isAllowed(live(), "sim"), false);
    assert.equal(isAllowed(EMPTY_PAGE, "audit"), false);
  });
  it("counts down to an ISO time by the server's clock", () => {
    const ends = "2025-12-02T12:00:30.000Z";
    const at = Date.parse("2025-12-02T12:00:00.000Z");
    assert.equal(secondsUntil(ends, at), 30);
    assert.equal(secondsUntil(ends, at + 29_001), 1);
    assert.equal(secondsUntil(ends, at + 31_000), 0);
    assert.equal(secondsUntil(null, at), null);
    assert.equal(secondsUntil("soon", at), null);
  });
});

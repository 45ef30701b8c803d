import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseMessage, type BusMessage } from "@roomguard/bus";
import { validateConfig } from "@roomguard/config";
import { ManualClock } from "@roomguard/runtime";
import { bridgeConfigIssues } from "../src/check-config.js";
import { cross, RateLimit } from "../src/mapping.js";

function message(text: string): BusMessage {
  const parsed = parseMessage(text);
  assert.ok(parsed.ok, text);
  return parsed.message;
}

const KEY = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7";
const remote = (extra: Record<string, unknown> = {}) => ({
  name: "bedroom",
  in: "tcp://192.168.1.21:5556",
  out: "tcp://192.168.1.21:5555",
  routerKey: KEY,
  ...extra,
});

function issuesOf(bridge: Record<string, unknown>): string[] {
  const result = validateConfig({ bridge });
  if (!result.ok) return result.issues.map((issue) => `${issue.path}: ${issue.message}`);
  return bridgeConfigIssues(result.config).map((issue) => `${issue.path}: ${issue.message}`);
}

describe("crossing a bridge", () => {
  it("puts the room in front of the subject of the four carried topics", () => {
    const crossed = (text: string) => cross(message(text), "bedroom", 65_536);
    assert.deepEqual(crossed("DOOR: window open"), { ok: true, text: "DOOR: bedroom/window open" });
    assert.deepEqual(crossed("MOTION: hall on"), { ok: true, text: "MOTION: bedroom/hall on" });
    assert.deepEqual(crossed('SENSOR: climate {"temperature_c":21.5}'), {
      ok: true,
      text: 'SENSOR: bedroom/climate {"temperature_c":21.5}',
    });
    assert.deepEqual(crossed('SENSOR: climate fault {"code":"CRC"}'), { ok: true, text: 'SENSOR: bedroom/climate fault {"code":"CRC"}' });
    assert.deepEqual(crossed('HEARTBEAT: sensors {"pid":1,"uptime_s":2}'), {
      ok: true,
      text: 'HEARTBEAT: bedroom/sensors {"pid":1,"uptime_s":2}',
    });
    assert.deepEqual(crossed("HEARTBEAT: sensors"), { ok: true, text: "HEARTBEAT: bedroom/sensors" });
    // lala-pi's bare door switch is the sensor `door`, as the alarm reads it.
    assert.deepEqual(crossed("DOOR: open"), { ok: true, text: "DOOR: bedroom/door open" });
    assert.deepEqual(crossed("DOOR: closed"), { ok: true, text: "DOOR: bedroom/door closed" });
  });

  it("never crosses a message that crossed already, so none crosses twice however bridges are joined", () => {
    assert.deepEqual(cross(message("DOOR: bedroom/window open"), "hall", 65_536), { ok: false, reason: "crossed" });
    assert.deepEqual(cross(message("HEARTBEAT: bedroom/sensors {}"), "hall", 65_536), { ok: false, reason: "crossed" });
    // Around a ring of three bridges: the first crossing is the last.
    let text = 'SENSOR: t {"n":1}';
    const hops: string[] = [];
    for (const room of ["a", "b", "c", "a", "b"]) {
      const crossing = cross(message(text), room, 65_536);
      if (!crossing.ok) break;
      text = crossing.text;
      hops.push(text);
    }
    assert.deepEqual(hops, ['SENSOR: a/t {"n":1}']);
  });

  it("refuses other topics, subjects that are no id, and what would be too large", () => {
    for (const text of ["ALARM: triggered {}", "KEY: LEFT", "CONTROL: all STOP", "MUSIC: play {}", "TEMP: 21"])
      assert.deepEqual(cross(message(text), "bedroom", 65_536), { ok: false, reason: "topic" }, text);
    for (const text of [
      "DOOR: ",
      "SENSOR:  {}",
      "DOOR: wi\u0000ndow open",
      "DOOR: \u202ewindow open",
      `DOOR: ${"w".repeat(65)} open`,
      "SENSOR: é {}",
    ])
      assert.deepEqual(cross(message(text), "bedroom", 65_536), { ok: false, reason: "subject" }, JSON.stringify(text));
    const big = `SENSOR: x {"v":"${"a".repeat(100)}"}`;
    assert.equal(cross(message(big), "bedroom", Buffer.byteLength(big) + "bedroom/".length).ok, true);
    assert.deepEqual(cross(message(big), "bedroom", Buffer.byteLength(big) + "bedroom/".length - 1), { ok: false, reason: "size" });
  });

  it("passes at most the rate, in bursts of one second's worth", () => {
    const clock = new ManualClock();
    const rate = new RateLimit(10, () => clock.now());
    let passed = 0;
    for (let i = 0; i < 100; i++) if (rate.take()) passed++;
    assert.equal(passed, 10);
    clock.advance(500);
    passed = 0;
    for (let i = 0; i < 100; i++) if (rate.take()) passed++;
    assert.equal(passed, 5);
    clock.advance(60_000);
    passed = 0;
    for (let i = 0; i < 100; i++) if (rate.take()) passed++;
    assert.equal(passed, 10);
  });
});

describe("the bridge's config", () => {
  it("takes remotes with their defaults", () => {
    const result = validateConfig({ bridge: { room: "hall", remotes: [remote()] } });
    assert.ok(result.ok);
    assert.deepEqual(result.config.bridge.remotes[0]?.from, ["SENSOR:", "DOOR:", "MOTION:", "HEARTBEAT:"]);
    assert.deepEqual(result.config.bridge.remotes[0]?.to, []);
    assert.deepEqual(bridgeConfigIssues(result.config), []);
  });

  it("refuses what it cannot carry without loops, names twice, `to` without a room, no remotes", () => {
    assert.deepEqual(issuesOf({ remotes: [] }), ["bridge.remotes: expected at least one remote to join, got none (the bridge is off)"]);
    const alarm = issuesOf({ room: "hall", remotes: [remote({ to: ["ALARM:"], from: ["DOOR:", "KEY:"] })] });
    assert.equal(alarm.length, 2);
    assert.match(alarm[0] ?? "", /^bridge\.remotes\[0\]\.from\[1\]: expected one of SENSOR:, DOOR:, MOTION:, HEARTBEAT:, got "KEY:": /);
    assert.match(alarm[1] ?? "", /^bridge\.remotes\[0\]\.to\[0\]: .*got "ALARM:"/);
    assert.deepEqual(issuesOf({ remotes: [remote({ to: ["DOOR:"] }), remote({ name: "attic", to: ["SENSOR:"] })] }), [
      "bridge.room: expected this Pi's room name (what its messages are called on bedroom's bus), got null while bridge.remotes[0].to sends topics there",
    ]);
    assert.deepEqual(issuesOf({ room: "bedroom", remotes: [remote(), remote()] }), [
      `bridge.remotes[0].name: "bedroom" is this Pi's own room (bridge.room): a remote needs another name`,
      `bridge.remotes[1].name: room "bedroom" is also bridge.remotes[0]: each remote is a room of its own`,
      `bridge.remotes[1].name: "bedroom" is this Pi's own room (bridge.room): a remote needs another name`,
    ]);
  });

  it("refuses by schema: a room with a /, a key that is no Z85, a topic without its colon", () => {
    assert.match(issuesOf({ remotes: [remote({ name: "bed/room" })] }).join("\n"), /bridge\.remotes\.0\.name: .*room name/);
    assert.match(
      issuesOf({ remotes: [remote({ routerKey: "short" })] }).join("\n"),
      /bridge\.remotes\.0\.routerKey: .*40 characters of Z85/,
    );
    assert.match(issuesOf({ remotes: [remote({ from: ["DOOR"] })] }).join("\n"), /bridge\.remotes\.0\.from\.0: .*with its colon/);
  });
});

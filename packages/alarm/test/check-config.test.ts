// The alarm's part of `roomguard check`: what the schema cannot see, and its pins in the plan.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { validateConfig } from "@roomguard/config";
import { hashSecret } from "@roomguard/runtime";
import { alarmConfigIssues, alarmHardware } from "../src/check-config.js";
import { findCodeOwner } from "../src/code-owner.js";

function config(alarm: Record<string, unknown>, sensors: unknown[] = [{ id: "front", kind: "door", pin: 25 }]) {
  const result = validateConfig({ sensors, alarm });
  assert.ok(result.ok, JSON.stringify(!result.ok && result.issues));
  return result.config;
}

describe("the alarm's config check", () => {
  it("takes a bridged room's sensor as <room>/<id> when bridge.remotes brings that room's events and heartbeat, with a zone name of its own", () => {
    const routerKey = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7";
    const remotes = [
      { name: "bedroom", in: "tcp://192.168.1.21:5556", out: "tcp://192.168.1.21:5555", routerKey },
      { name: "attic", in: "tcp://192.168.1.22:5556", out: "tcp://192.168.1.22:5555", routerKey, from: ["SENSOR:"] },
    ];
    const result = validateConfig({
      bridge: { remotes },
      alarm: {
        zones: [
          { sensor: "bedroom/window", name: "bedroom-window", type: "instant" },
          { sensor: "bedroom/pir", type: "instant" },
          { sensor: "cellar/door", name: "cellar-door", type: "instant" },
          { sensor: "attic/pir", name: "attic-pir", type: "instant" },
        ],
      },
    });
    assert.ok(result.ok, JSON.stringify(!result.ok && result.issues));
    assert.deepEqual(
      alarmConfigIssues(result.config).map((issue) => `${issue.path}: ${issue.message}`),
      [
        'alarm.zones[1].name: a bridged sensor\'s zone needs a name without "/", e.g. "bedroom-pir"',
        'alarm.zones[2].sensor: expected a room of bridge.remotes (bedroom, attic) before the "/", got "cellar/door" (docs/bridge.md)',
        'alarm.zones[3].sensor: expected DOOR: or MOTION:, and HEARTBEAT: (what vouches for the sensors), in the `from` of bridge remote "attic", got [SENSOR:]',
      ],
    );
    const slashes = validateConfig({ alarm: { zones: [{ sensor: "a/b/c", type: "instant" }] } });
    assert.ok(!slashes.ok);
  });

  it("names zones of unknown sensors, names used twice, a misplaced entry delay, users twice, and a hash no check would take", async () => {
    const good = await hashSecret("1234");
    const issues = alarmConfigIssues(
      config({
        zones: [
          { sensor: "front", type: "entry" },
          { sensor: "back", type: "instant" },
          { sensor: "front", type: "chime" },
          { sensor: "door", name: "bell", type: "instant", entryDelayS: 5 },
        ],
        users: [
          { name: "anna", pin: good },
          { name: "Anna", pin: "scrypt$3$8$1$c2FsdHNhbHRzYWx0c2FsdA==$aGFzaGhhc2hoYXNoaGFzaA==" },
          { name: "ben", pin: good, duressPin: `scrypt$${2 ** 20}$8$1$c2FsdHNhbHRzYWx0c2FsdA==$aGFzaGhhc2hoYXNoaGFzaA==` },
        ],
      }),
    ).map((issue) => `${issue.path}: ${issue.message}`);
    assert.deepEqual(
      issues.map((line) => line.split(":")[0]),
      [
        "alarm.zones[1].sensor",
        "alarm.zones[2].name",
        "alarm.zones[3].entryDelayS",
        "alarm.users[1].pin",
        "alarm.users[1].name",
        "alarm.users[2].duressPin",
      ],
    );
    assert.match(issues[0] ?? "", /expected a sensor id from `sensors` \(door, front\), got "back"/);
    assert.match(issues[3] ?? "", /N to be a power of two.*got 3; `roomguard alarm add-user Anna` writes a new one/);
    assert.deepEqual(alarmConfigIssues(config({ zones: [{ sensor: "front", type: "entry" }], users: [{ name: "anna", pin: good }] })), []);
    assert.deepEqual(
      alarmConfigIssues(config({ audit: { rotateBytes: 1048576, maxBytes: 1048576 } })).map((issue) => issue.path),
      ["alarm.audit.maxBytes"],
    );
  });

  it("claims the siren and the buzzer as outputs, once when they share a pin", () => {
    assert.deepEqual(
      alarmHardware(config({ siren: { pin: 17 }, buzzer: { pin: 18 } }).alarm).map((use) =>
        use.kind === "gpio" ? [use.kind, use.pin, use.direction, use.key] : [use.kind],
      ),
      [
        ["gpio", 17, "out", "alarm.siren.pin"],
        ["gpio", 18, "out", "alarm.buzzer.pin"],
      ],
    );
    assert.equal(alarmHardware(config({ siren: { pin: 18 }, buzzer: { pin: 18 } }).alarm).length, 1);
    assert.deepEqual(alarmHardware(config({}).alarm), []);
  });

  it("a hash out of bounds is no match at run time, and every other code still works", async () => {
    const users = config({
      users: [
        { name: "broken", pin: "scrypt$3$8$1$c2FsdHNhbHRzYWx0c2FsdA==$aGFzaGhhc2hoYXNoaGFzaA==" },
        { name: "anna", role: "admin", pin: await hashSecret("1234"), duressPin: await hashSecret("9876") },
      ],
    }).alarm.users;
    assert.deepEqual(await findCodeOwner("1234", users), { user: "anna", role: "admin", duress: false });
    assert.deepEqual(await findCodeOwner("9876", users), { user: "anna", role: "admin", duress: true });
    assert.equal(await findCodeOwner("0000", users), null);
  });
});

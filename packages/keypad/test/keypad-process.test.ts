import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseSubject } from "@roomguard/bus";
import { keypadRig } from "./bus-fixture.js";

describe("the keypad process on simulated hardware", { timeout: 30_000 }, () => {
  it("SIM: press → KEY: on the bus through the same debounce; HOLD; STATUS; heartbeat; clean SIGTERM", async () => {
    const rig = await keypadRig();
    const keys = rig.client.subscribe("KEY:");
    const status = rig.client.subscribe("STATUS: keypad");
    const heartbeats = rig.client.subscribe("HEARTBEAT: keypad");
    await rig.wanted("KEY: LEFT");
    await rig.wanted("HEARTBEAT: keypad ");
    const keypad = rig.keypad({ hardware: { backend: "sim" }, keypad: { holdMs: 300 } });
    await keypad.waitForLog((line) => line.msg === "keypad ready");
    await rig.keypadListening();

    const heartbeat = await heartbeats.nextWithin(3000);
    assert.equal((parseSubject(heartbeat ?? assert.fail("no heartbeat")).payload as { pid: number }).pid, keypad.child.pid);

    await rig.client.publish("SIM: press LEFT");
    assert.equal((await keys.nextWithin(3000))?.text, "KEY: LEFT");
    await rig.client.publish("SIM: press SELECT 600");
    assert.equal((await keys.nextWithin(3000))?.text, "KEY: SELECT");
    assert.equal((await keys.nextWithin(3000))?.text, "KEY: SELECT HOLD");

    await rig.client.publish("SIM: press LEFT 5"); // shorter than the debounce: ignored, as a real one
    await rig.client.publish("SIM: dance");
    await rig.client.publish("SIM: press NOPE");
    await rig.client.publish("SIM: gpio 6 0"); // RIGHT's pin grounded by hand
    assert.equal((await keys.nextWithin(3000))?.text, "KEY: RIGHT");
    await keypad.waitForLog((line) => line.msg === "ignoring malformed SIM messages");
    await keypad.waitForLog((line) => line.msg === "SIM: press NOPE: no such key");

    await rig.client.publish("CONTROL: keypad STATUS");
    const answer = parseSubject((await status.nextWithin(3000)) ?? assert.fail("no STATUS answer")).payload as Record<string, unknown>;
    assert.deepEqual([answer.mode, answer.backend, answer.presses, answer.last_key], ["buttons", "sim", 3, "RIGHT"]);

    assert.equal(await keypad.stop("SIGTERM"), 0);
    assert.ok(keypad.lines.some((line) => line.msg === "stopped"));
  });

  it("CONTROL: keypad STOP is refused by default (anyone on the bus could send it); with bus.acceptStop it stops it cleanly", async () => {
    const rig = await keypadRig();
    const status = rig.client.subscribe("STATUS: keypad");
    const refusing = rig.keypad({ hardware: { backend: "sim" } });
    await rig.keypadListening();
    await rig.wanted("CONTROL: keypad STOP");
    await rig.client.publish("CONTROL: keypad STOP");
    const answer = parseSubject((await status.nextWithin(3000)) ?? assert.fail("no STATUS answer")).payload;
    assert.deepEqual(answer, {
      refused: "STOP",
      reason: "STOP from the bus is off (bus.acceptStop): `roomguard ctl stop keypad` stops it",
    });
    assert.equal(await refusing.stop("SIGTERM"), 0);
    const keypad = rig.keypad({ hardware: { backend: "sim" }, bus: { ...rig.endpoints, heartbeatIntervalS: 0.2, acceptStop: true } });
    await keypad.waitForLog((line) => line.msg === "keypad ready");
    await rig.wanted("CONTROL: keypad STOP");
    await rig.client.publish("CONTROL: keypad STOP");
    assert.equal(await keypad.exited, 0);
  });

  it("a matrix keypad on the simulated board answers SIM: press with the printed key names", async () => {
    const rig = await keypadRig();
    const keys = rig.client.subscribe("KEY:");
    await rig.wanted("KEY: 1");
    // Code entry off: digits are published like any key (with it on they never are: code-entry.test.ts).
    const keypad = rig.keypad({ hardware: { backend: "sim" }, keypad: { mode: "matrix", codeEntry: { enabled: false } } });
    await rig.keypadListening();
    for (const key of ["1", "#", "D", "0"]) {
      await rig.client.publish(`SIM: press ${key}`);
      assert.equal((await keys.nextWithin(3000))?.text, `KEY: ${key}`);
    }
    assert.equal(await keypad.stop(), 0);
  });

  it("a config error names the key and exits 78, so a service manager does not restart-loop", async () => {
    const rig = await keypadRig();
    const keypad = rig.keypad({ keypad: { buttons: { LEFT: 5, RIGHT: 5 } } });
    assert.equal(await keypad.exited, 78);
    const failure = keypad.lines.find((line) => line.level === "error");
    assert.match(String(failure?.msg), /^invalid config in /);
    assert.deepEqual(failure?.issues, [
      "keypad.buttons.RIGHT: BCM 5 (pin 29) is already used by keypad.buttons.LEFT: each pin can do one job; choose another",
    ]);
  });

  it("a wrong sensor entry, even one on a key's pin, does not stop the keypad: it is the sensor reader's", async () => {
    const rig = await keypadRig();
    const keys = rig.client.subscribe("KEY:");
    await rig.wanted("KEY: LEFT");
    const keypad = rig.keypad({
      hardware: { backend: "sim" },
      sensors: [
        { id: "front", kind: "door", pin: 5 }, // LEFT's pin: the sensor entry is refused, not the key
        { id: "bath", kind: "door", pin: 40 },
        { id: "typo", kind: "dor" },
      ],
    });
    await rig.keypadListening();
    await rig.client.publish("SIM: press LEFT");
    assert.equal((await keys.nextWithin(3000))?.text, "KEY: LEFT");
    assert.equal(keypad.child.exitCode, null);
    assert.equal(await keypad.stop(), 0);
  });

  it("a machine without the configured GPIO fails to start with the reason (exit 1), not a stack trace", async () => {
    const rig = await keypadRig();
    const keypad = rig.keypad({ hardware: { backend: "onoff", gpioSysfsRoot: "/nonexistent/gpio" } });
    assert.equal(await keypad.exited, 1);
    assert.match(JSON.stringify(keypad.lines.find((line) => line.msg === "failed to start")), /no sysfs GPIO at \/nonexistent\/gpio/);
  });
});

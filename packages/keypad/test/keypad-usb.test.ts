// keypad.mode: usb as a real process on a real router, reading its "device": a FIFO the test
// writes Linux input events into, in both struct sizes. Presses, holds, the kernel's repeats,
// Num Lock, an unplug (the writer closes) and a replug; and a code typed on it arms a real alarm.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { parseSubject, type BusMessage, type Subscription } from "@roomguard/bus";
import { findServices } from "@roomguard/registry";
import { hashSecret } from "@roomguard/runtime";
import { nextMatching, waitUntil, type ServiceProcess } from "@roomguard/testing";
import { encodeInputEvent, EV, LED_NUML } from "../src/input-event.js";
import { keypadRig, type KeypadRig } from "./bus-fixture.js";
import { FakeUsbKeypad, keyEvent, SYN_REPORT } from "./usb-device.js";

const KP1 = 79;
const KP2 = 80;
const KPDOT = 83;
const KP_ENTER = 96;
const KP_PLUS = 78;
const KP_MINUS = 74;
const NUMLOCK = 69;
const END = 107; // what lala-pi's keypad sends for 1 with its Num Lock off

const rig = await keypadRig();
const dir = mkdtempSync(path.join(tmpdir(), "roomguard-usb-"));

function payloadOf(message: BusMessage): Record<string, unknown> {
  return parseSubject(message).payload as Record<string, unknown>;
}

/** The next heartbeat of this keypad whose problem matches (a RegExp), or that has none (null). */
async function heartbeat(
  beats: Subscription<BusMessage>,
  keypad: ServiceProcess,
  problem: RegExp | null,
): Promise<Record<string, unknown>> {
  const what = problem ? `a keypad heartbeat with a problem matching ${String(problem)}` : "a keypad heartbeat without a problem";
  const beat = await nextMatching(
    beats,
    what,
    (message) => {
      const { pid, problem: found } = payloadOf(message);
      if (pid !== keypad.child.pid) return false;
      return problem === null ? found === undefined : typeof found === "string" && problem.test(found);
    },
    8000,
  );
  return payloadOf(beat);
}

async function status(r: KeypadRig, answers: Subscription<BusMessage>): Promise<Record<string, unknown>> {
  await r.client.publish("CONTROL: keypad STATUS");
  return payloadOf(await nextMatching(answers, "the keypad's STATUS", () => true, 3000));
}

function usbStatus(answer: Record<string, unknown>): Record<string, unknown> {
  return (answer.usb ?? assert.fail(`no usb in STATUS: ${JSON.stringify(answer)}`)) as Record<string, unknown>;
}

/** Whether a process is there and not a zombie. */
function isRunning(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

async function nextKey(keys: Subscription<BusMessage>): Promise<string | undefined> {
  return (await keys.nextWithin(3000))?.text;
}

describe("the keypad with keypad.mode: usb, reading input events from its device file", { timeout: 60_000 }, () => {
  it("64-bit records (auto on x64): missing at start, presses, a hold through the kernel's repeats, Num Lock, a split record, unplug and replug", async () => {
    const device = new FakeUsbKeypad(path.join(dir, "keypad-24"), 24);
    const keys = rig.client.subscribe("KEY:");
    const beats = rig.client.subscribe("HEARTBEAT: keypad ");
    const answers = rig.client.subscribe("STATUS: keypad");
    await rig.wanted("KEY: 1");
    await rig.wanted("HEARTBEAT: keypad ");
    const keypad = rig.keypad({
      keypad: {
        mode: "usb",
        usb: { device: device.path, grab: false },
        holdMs: 300,
        repeatMs: 150,
        codeEntry: { enabled: false },
      },
    });
    await keypad.waitForLog((line) => line.msg === "keypad ready");

    // Not plugged in at start: a clear problem, and the service runs on.
    assert.match(
      String((await heartbeat(beats, keypad, /no such device/)).problem),
      /^keypad\.usb\.device .*keypad-24: no such device \(not plugged in\? ls \/dev\/input\/by-id\/\); waiting for it$/,
    );
    const missing = await keypad.waitForLog((line) => line.msg.startsWith("no USB keypad"));
    assert.equal(missing.level, "warn");
    assert.equal(keypad.child.exitCode, null);

    // A FIFO counts as plugged in once it gives bytes (a character device, once it is open).
    device.create();
    await device.plug();
    await device.tap(KP1);
    assert.equal(await nextKey(keys), "KEY: 1");
    await heartbeat(beats, keypad, null);
    const ready = await keypad.waitForLog((line) => line.msg === "reading the USB keypad");
    assert.equal(ready.eventSize, 24);

    // Held 0.8 s with the kernel's auto-repeat (value 2) every 33 ms: the keypad's own rules, not
    // one KEY: per repeat — the press, HOLD after holdMs, a repeat every repeatMs after it.
    await device.key(KP_ENTER, 1);
    const heldSince = Date.now();
    while (Date.now() - heldSince < 800) {
      await new Promise((resolve) => setTimeout(resolve, 33));
      await device.key(KP_ENTER, 2);
    }
    await device.key(KP_ENTER, 0);
    await device.tap(KP_MINUS);
    const held: string[] = [];
    for (let text = await nextKey(keys); text !== "KEY: -"; text = await nextKey(keys)) held.push(text ?? assert.fail("no KEY: -"));
    assert.deepEqual(held.slice(0, 2), ["KEY: ENTER", "KEY: ENTER HOLD"]);
    const repeats = held.slice(2);
    assert.ok(
      repeats.length >= 1 && repeats.length <= 6,
      `a repeat every 150 ms from 300 ms to ~800 ms (3), not one per kernel repeat (~24): ${repeats.join(", ")}`,
    );
    assert.ok(
      repeats.every((text) => text === "KEY: ENTER"),
      held.join(", "),
    );

    // Num Lock as lala-pi's keypad does it: NL is a key, and the keypad itself sends End for 1.
    await device.tap(NUMLOCK);
    assert.equal(await nextKey(keys), "KEY: NL");
    await device.tap(END);
    assert.equal(await nextKey(keys), "KEY: _1");
    assert.equal(usbStatus(await status(rig, answers)).num_lock, "off");
    await device.tap(KP2);
    assert.equal(await nextKey(keys), "KEY: 2");
    assert.equal(usbStatus(await status(rig, answers)).num_lock, "on");

    // A record split across two writes (two reads for the keypad).
    const bytes = Buffer.concat([keyEvent(KPDOT, 1), SYN_REPORT, keyEvent(KPDOT, 0)].map((event) => encodeInputEvent(event, 24)));
    await device.write(bytes.subarray(0, 37));
    await waitUntil(async () => usbStatus(await status(rig, answers)).partial_bytes === 13, {
      what: "the keypad holding 13 bytes of a record",
    });
    await device.write(bytes.subarray(37));
    assert.equal(await nextKey(keys), "KEY: .");

    // Unplugged with a key down: said in the heartbeat at once, the key released (no HOLD comes).
    await device.key(KP_PLUS, 1);
    assert.equal(await nextKey(keys), "KEY: +");
    await device.unplug();
    assert.match(
      String((await heartbeat(beats, keypad, /went away/)).problem),
      /keypad-24: the device went away \(end of file\); waiting for it$/,
    );
    await keypad.waitForLog((line) => line.msg === "the USB keypad went away: waiting for it to come back");
    const gone = await status(rig, answers);
    assert.deepEqual([gone.held, usbStatus(gone).state, usbStatus(gone).partial_bytes], [[], "missing", 0]);

    // Plugged in again: opened again within the reopen backoff (at most 2 s), and keys work.
    await device.plug();
    await device.tap(KP2);
    assert.equal(await nextKey(keys), "KEY: 2", "nothing of the + held before the unplug");
    await heartbeat(beats, keypad, null);
    await keypad.waitForLog((line) => line.msg === "the USB keypad is back");
    const back = await status(rig, answers);
    assert.deepEqual([back.mode, usbStatus(back).state, usbStatus(back).opened], ["usb", "open", 2]);

    // The device still open and quiet: SIGTERM stops it at once (the read is non-blocking).
    assert.equal(await keypad.stop("SIGTERM"), 0);
    await device.unplug();
  });

  it("32-bit records (eventSize 16), Num Lock tracked here: NL turns digits into _ names, the keypad's LED sets it", async () => {
    const device = new FakeUsbKeypad(path.join(dir, "keypad-16"), 16);
    device.create();
    const keys = rig.client.subscribe("KEY:");
    await rig.wanted("KEY: 1");
    const keypad = rig.keypad({
      keypad: { mode: "usb", usb: { device: device.path, grab: false, eventSize: 16, numLock: "track" }, codeEntry: { enabled: false } },
    });
    await device.plug();
    await device.tap(KP1);
    assert.equal(await nextKey(keys), "KEY: 1");
    const ready = await keypad.waitForLog((line) => line.msg === "reading the USB keypad");
    assert.equal(ready.eventSize, 16);
    await device.tap(NUMLOCK);
    assert.equal(await nextKey(keys), "KEY: NL");
    await device.tap(KP1);
    assert.equal(await nextKey(keys), "KEY: _1");
    await device.tap(KPDOT);
    assert.equal(await nextKey(keys), "KEY: _.");
    // The LED turned on (by the console, or the keypad): Num Lock is on whatever was counted.
    await device.events({ type: EV.LED, code: LED_NUML, value: 1 }, SYN_REPORT);
    await device.tap(KPDOT);
    assert.equal(await nextKey(keys), "KEY: .");
    // A key pressed with Num Lock off is released under the name it was pressed as.
    await device.tap(NUMLOCK);
    assert.equal(await nextKey(keys), "KEY: NL");
    await device.key(KP2, 1);
    assert.equal(await nextKey(keys), "KEY: _2");
    await device.tap(NUMLOCK);
    assert.equal(await nextKey(keys), "KEY: NL");
    await device.key(KP2, 0);
    await device.tap(KP2);
    assert.equal(await nextKey(keys), "KEY: 2");
    assert.equal(await keypad.stop(), 0);
    await device.unplug();
  });

  it("keypad.usb.grab on a file that is no input device: the reason in the heartbeat, keys still come; the keypad killed, its reader goes", async () => {
    const device = new FakeUsbKeypad(path.join(dir, "keypad-grab"), 24);
    device.create();
    const keys = rig.client.subscribe("KEY:");
    const beats = rig.client.subscribe("HEARTBEAT: keypad ");
    await rig.wanted("KEY: 1");
    const keypad = rig.keypad({ keypad: { mode: "usb", usb: { device: device.path, eventSize: 24 }, codeEntry: { enabled: false } } });
    await device.plug();
    await device.tap(KP2);
    assert.equal(await nextKey(keys), "KEY: 2");
    const { problem } = await heartbeat(beats, keypad, /grab/);
    assert.equal(
      problem,
      `keypad.usb.grab: ${device.path} could not be taken for roomguard alone (Inappropriate ioctl for device): its keys may also reach a console`,
    );
    const warning = await keypad.waitForLog((line) => line.msg.startsWith("cannot take the USB keypad"));
    assert.equal(warning.reason, "Inappropriate ioctl for device");
    await device.tap(KP1);
    assert.equal(await nextKey(keys), "KEY: 1");

    // The keypad killed: its reader (which holds the device, and a grab) ends too, within its
    // one-second look at its parent, so a keypad started again can have the device.
    const keypadPid = keypad.child.pid ?? assert.fail("no pid");
    const [reader] = readFileSync(`/proc/${keypadPid}/task/${keypadPid}/children`, "utf8").trim().split(" ").map(Number);
    assert.match(readFileSync(`/proc/${reader}/cmdline`, "utf8"), /^perl\0-e\0/);
    await keypad.stop("SIGKILL");
    await waitUntil(() => !isRunning(reader ?? 0), { what: "the reader gone after the keypad was killed", timeoutMs: 3000 });
    await device.unplug();
  });

  it("a code typed on the USB keypad (digits, then ENTER) arms a real alarm; digits, then -, disarm it; no digit on the bus", async () => {
    const alarmMain = findServices().find((service) => service.name === "alarm")?.main ?? assert.fail("no alarm service");
    const code = "4711";
    const alarm = rig.service("alarm", alarmMain, {
      hardware: { backend: "sim" },
      alarm: {
        requests: `ipc://${rig.dir}/alarm.sock`,
        stateDir: path.join(dir, "alarm"),
        exitDelayS: 0,
        users: [{ name: "anna", role: "admin", pin: await hashSecret(code) }],
        zones: [],
      },
    });
    const states = rig.client.subscribe("ALARM: ");
    await nextMatching(rig.client.subscribe("HEARTBEAT: alarm "), "the alarm's first heartbeat", () => true, 15_000);

    const device = new FakeUsbKeypad(path.join(dir, "keypad-code"), 24);
    device.create();
    const keys = rig.client.subscribe("KEY:");
    await rig.wanted("KEY: 1");
    const keypad = rig.keypad({
      keypad: { mode: "usb", usb: { device: device.path, grab: false } },
      alarm: { requests: `ipc://${rig.dir}/alarm.sock` },
    });
    await device.plug();

    // 4 7 1 1 on the keypad: KP4 75, KP7 71, KP1 79, KP1 79; then KP Enter.
    for (const key of [75, 71, 79, 79, KP_ENTER]) await device.tap(key);
    await nextMatching(states, "ALARM: armed_away", (message) => message.text.startsWith("ALARM: armed_away"), 8000);
    await keypad.waitForLog((line) => line.msg === "armed away by anna");

    for (const key of [75, 71, 79, 79, KP_MINUS]) await device.tap(key);
    await nextMatching(states, "ALARM: disarmed", (message) => message.text.startsWith("ALARM: disarmed"), 8000);

    // With no digits typed, ENTER is a key like any other: the first KEY: on the bus.
    await device.tap(KP_ENTER);
    assert.equal(await nextKey(keys), "KEY: ENTER");
    assert.doesNotMatch(JSON.stringify(keypad.lines), /4711|KEY: [0-9]/);
    assert.equal(await keypad.stop(), 0);
    assert.equal(await alarm.stop(), 0);
    await device.unplug();
  });
});

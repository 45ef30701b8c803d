import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseSubject, serveRequests } from "@roomguard/bus";
import { createLogger } from "@roomguard/runtime";
import { waitUntil } from "@roomguard/testing";
import { keypadRig, type KeypadRig } from "./bus-fixture.js";

/** The five-way pad on its default pins, the 4x4 matrix on pins of its own (hardware/keypad.md). */
const BOTH = { mode: "both", matrix: { rows: [12, 13, 19, 26], columns: [22, 23, 27, 4] } };

/** The keypad's STATUS answer. */
async function statusOf(rig: KeypadRig): Promise<Record<string, unknown>> {
  const status = rig.client.subscribe("STATUS: keypad");
  try {
    await rig.wanted("STATUS: keypad");
    await rig.wanted("CONTROL: keypad STATUS");
    await rig.client.publish("CONTROL: keypad STATUS");
    return parseSubject((await status.nextWithin(3000)) ?? assert.fail("no STATUS answer")).payload as Record<string, unknown>;
  } finally {
    status.close();
  }
}

/** Waits until no key is held, so that the next matrix presses cannot overlap the last ones (ghosting). */
async function everyKeyUp(rig: KeypadRig): Promise<void> {
  await waitUntil(async () => ((await statusOf(rig)).held as string[]).length === 0, { what: "every key of the keypad up" });
}

describe("the keypad process in both mode (buttons and a matrix) on simulated hardware", { timeout: 30_000 }, () => {
  it("buttons and matrix keys are published alike; the matrix's digits and A reach the alarm's socket, never the bus", async () => {
    const rig = await keypadRig();
    const endpoint = `ipc://${rig.dir}/alarm.sock`;
    const received: Array<Record<string, unknown>> = [];
    const server = await serveRequests({
      endpoint,
      service: "alarm",
      log: createLogger({ service: "test-alarm", level: "error", stream: { write: () => undefined } }),
      handlers: {
        arm: (args) => {
          received.push(args);
          return { state: { state: "arming", mode: "away", changed_by: "alice", delay_s: 30 } };
        },
      },
    });
    try {
      const keys = rig.client.subscribe("KEY:");
      await rig.wanted("KEY: LEFT");
      const keypad = rig.keypad({ hardware: { backend: "sim" }, keypad: BOTH, alarm: { requests: endpoint } });
      const ready = await keypad.waitForLog((line) => line.msg === "keypad ready");
      assert.deepEqual([ready.mode, ready.rows, ready.columns, ready.codeEntry], ["both", BOTH.matrix.rows, BOTH.matrix.columns, true]);
      await rig.keypadListening();

      await rig.client.publish("SIM: press LEFT");
      assert.equal((await keys.nextWithin(3000))?.text, "KEY: LEFT");
      await rig.client.publish("SIM: press D");
      assert.equal((await keys.nextWithin(3000))?.text, "KEY: D");

      // Keys of one row only, so that presses overlapping in time never look like ghosting.
      await everyKeyUp(rig);
      for (const key of ["1", "2", "3", "A"]) await rig.client.publish(`SIM: press ${key}`);
      await waitUntil(() => received.length === 1, { what: "the arm request at the alarm's socket" });
      assert.deepEqual(received, [{ mode: "away", code: "123", source: "keypad" }]);
      await keypad.waitForLog((line) => line.msg === "arming away by alice: armed in 30 s");

      // The next KEY: after D is SELECT: a digit (or A) published before it, by the same publisher, would have come first.
      await everyKeyUp(rig);
      await rig.client.publish("SIM: press SELECT");
      assert.equal((await keys.nextWithin(3000))?.text, "KEY: SELECT");
      assert.doesNotMatch(JSON.stringify(keypad.lines), /"123"|KEY: [0-9]/);

      // Only the keypad's own key names: not a property every object has.
      await rig.client.publish("SIM: press constructor");
      await keypad.waitForLog((line) => line.msg === "SIM: press constructor: no such key");

      const status = await statusOf(rig);
      assert.deepEqual([status.mode, status.backend, status.presses, status.last_key], ["both", "sim", 7, "SELECT"]);
      assert.ok(typeof status.scans === "number" && status.scans > 0, "the matrix is scanned");
      assert.equal(await keypad.stop(), 0);
    } finally {
      server.close();
    }
  });

  it("the matrix on the buttons' pins (its defaults) stops it at start, exit 78, naming both keys of each pin", async () => {
    const rig = await keypadRig();
    const keypad = rig.keypad({ hardware: { backend: "sim" }, keypad: { mode: "both" } });
    assert.equal(await keypad.exited, 78);
    const failure = keypad.lines.find((line) => line.level === "error");
    assert.deepEqual((failure?.issues as string[] | undefined)?.slice(0, 2), [
      "keypad.matrix.rows[0]: BCM 5 (pin 29) is already used by keypad.buttons.LEFT: each pin can do one job; choose another",
      "keypad.matrix.rows[1]: BCM 6 (pin 31) is already used by keypad.buttons.RIGHT: each pin can do one job; choose another",
    ]);
  });
});

// A flood of SIM: gpio messages for pins the board does not have: refused, not remembered.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { statusBytes } from "@roomguard/runtime";
import { keypadRig } from "./bus-fixture.js";

describe("the keypad on simulated hardware under a flood of SIM: gpio", { timeout: 60_000 }, () => {
  it("20,000 distinct pins off the header are refused: a SIM: press right after takes effect, memory stays flat", async () => {
    const rig = await keypadRig();
    const keys = rig.client.subscribe("KEY:");
    await rig.wanted("KEY: LEFT");
    const keypad = rig.keypad({ hardware: { backend: "sim" } });
    await keypad.waitForLog((line) => line.msg === "keypad ready");
    await rig.keypadListening();
    const pid = keypad.child.pid ?? assert.fail("no pid");
    const before = statusBytes(pid, "VmRSS") ?? 0;

    for (let pin = 28; pin < 20_028; pin++) await rig.client.publish(`SIM: gpio ${pin} 1`);
    await rig.client.publish("SIM: press LEFT");
    // Before, each pin was remembered and every change recomputed them all: the press came 23 s later.
    assert.equal((await keys.nextWithin(5000))?.text, "KEY: LEFT");
    await keypad.waitForLog((line) => line.msg === "ignoring malformed SIM messages");
    assert.equal(keypad.lines.filter((line) => line.msg === "ignoring malformed SIM messages").length, 1, "said once");
    const grew = (statusBytes(pid, "VmRSS") ?? 0) - before;
    assert.ok(grew < 32 * 1024 * 1024, `the keypad grew by ${Math.round(grew / 1048576)} MB`);
    assert.equal(await keypad.stop(), 0);
  });
});

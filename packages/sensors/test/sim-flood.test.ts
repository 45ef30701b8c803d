// A flood of SIM: gpio messages for pins the board does not have: refused, not remembered.
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { describe, it } from "node:test";
import { statusBytes } from "@roomguard/runtime";
import { busRig } from "@roomguard/testing";

const SENSORS_MAIN = fileURLToPath(new URL("../src/main.js", import.meta.url));

describe("the sensor reader on simulated hardware under a flood of SIM: gpio", { timeout: 60_000 }, () => {
  it("20,000 distinct pins off the header are refused: a door opened right after is seen, memory stays flat", async () => {
    const rig = await busRig();
    const doors = rig.client.subscribe("DOOR:");
    await rig.wanted("DOOR: x");
    const sensors = rig.service("sensors", SENSORS_MAIN, {
      hardware: { backend: "sim" },
      sensors: [{ id: "front", kind: "door", pin: 25 }],
    });
    assert.equal((await doors.nextWithin(5000))?.text, "DOOR: front closed");
    await rig.wanted("SIM: gpio 25 1");
    const pid = sensors.child.pid ?? assert.fail("no pid");
    const before = statusBytes(pid, "VmRSS") ?? 0;

    for (let pin = 28; pin < 20_028; pin++) await rig.client.publish(`SIM: gpio ${pin} 1`);
    await rig.client.publish("SIM: gpio 25 1");
    // Before, each pin was remembered and every change recomputed them all: both cores busy for a minute.
    assert.equal((await doors.nextWithin(5000))?.text, "DOOR: front open");
    await sensors.waitForLog((line) => line.msg === "ignoring malformed SIM messages");
    const grew = (statusBytes(pid, "VmRSS") ?? 0) - before;
    assert.ok(grew < 32 * 1024 * 1024, `the sensor reader grew by ${Math.round(grew / 1048576)} MB`);
    assert.equal(await sensors.stop(), 0);
  });
});

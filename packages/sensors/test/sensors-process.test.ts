import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { describe, it } from "node:test";
import { parseSubject } from "@roomguard/bus";
import { busRig } from "@roomguard/router/testing";

const SENSORS_MAIN = fileURLToPath(new URL("../src/main.js", import.meta.url));

describe("the sensor reader process on simulated hardware", { timeout: 30_000 }, () => {
  it("publishes states at start and on change, faults for bad entries, STATE for late subscribers; SIGTERM → 0", async () => {
    const rig = await busRig();
    const doors = rig.client.subscribe("DOOR:", "MOTION:");
    const faults = rig.client.subscribe("SENSOR: attic ");
    const climate = rig.client.subscribe("SENSOR: climate ");
    const status = rig.client.subscribe("STATUS: sensors");
    await rig.wanted("DOOR: x");
    await rig.wanted("STATUS: sensors {}");
    const sensors = rig.service("sensors", SENSORS_MAIN, {
      hardware: { backend: "sim" },
      sensors: [
        { id: "front", kind: "door", pin: 25 },
        { id: "hall", kind: "hc-sr501", pin: 24, holdS: 0.3 },
        { id: "attic", kind: "bme820" },
        { id: "climate", kind: "bme280", intervalS: 0.2 },
      ],
    });
    const seen = new Set([(await doors.nextWithin(5000))?.text, (await doors.nextWithin(5000))?.text]);
    assert.deepEqual(seen, new Set(["DOOR: front open", "MOTION: hall off"]), "states at start");
    const fault = await faults.nextWithin(5000);
    assert.match(
      fault?.text ?? "",
      /^SENSOR: attic fault \{"code":"UNKNOWN_KIND","error":"sensors\[attic\]\.kind: unknown sensor kind \\"bme820\\"; installed: bme280 \(also bme-280\); door/,
    );

    // A BME280 on simulated hardware: the reader put the chip model on the simulated bus.
    assert.equal(
      (await climate.nextWithin(5000))?.text,
      'SENSOR: climate {"temperature_c":25.08,"humidity_pct":55,"pressure_hpa":1006.53}',
    );
    assert.ok(await climate.nextWithin(3000), "every intervalS");

    await rig.wanted("SIM: gpio 25 0");
    await rig.client.publish("SIM: gpio 25 0"); // the door shuts
    assert.equal((await doors.nextWithin(3000))?.text, "DOOR: front closed");
    await rig.client.publish("SIM: gpio 24 1");
    assert.equal((await doors.nextWithin(3000))?.text, "MOTION: hall on");
    await rig.client.publish("SIM: gpio 24 0");
    assert.equal((await doors.nextWithin(3000))?.text, "MOTION: hall off", "after holdS");

    await rig.wanted("CONTROL: sensors STATE");
    await rig.client.publish("CONTROL: sensors STATE");
    const again = new Set([(await doors.nextWithin(3000))?.text, (await doors.nextWithin(3000))?.text]);
    assert.deepEqual(again, new Set(["DOOR: front closed", "MOTION: hall off"]));
    assert.match((await climate.nextWithin(3000))?.text ?? "", /^SENSOR: climate \{"temperature_c":25.08/);
    assert.match((await faults.nextWithin(3000))?.text ?? "", /^SENSOR: attic fault/);
    assert.equal((await status.nextWithin(3000))?.text, 'STATUS: sensors {"republished":4}');

    await rig.client.publish("CONTROL: sensors STATUS");
    const answer = parseSubject((await status.nextWithin(3000)) ?? assert.fail("no STATUS")).payload as {
      sensors: Record<string, { state: string }>;
    };
    assert.deepEqual(Object.fromEntries(Object.entries(answer.sensors).map(([id, entry]) => [id, entry.state])), {
      front: "running",
      hall: "running",
      attic: "refused",
      climate: "running",
    });
    assert.equal(await sensors.stop("SIGTERM"), 0);
  });
});

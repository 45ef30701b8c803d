import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { describe, it } from "node:test";
import { parseSubject, type BusMessage } from "@roomguard/bus";
import { loadConfig } from "@roomguard/config";
import { busRig, waitUntil } from "@roomguard/testing";

const SENSORS_MAIN = fileURLToPath(new URL("../src/main.js", import.meta.url));
const DEFAULT_CONFIG = fileURLToPath(new URL("../../../../roomguard.yaml", import.meta.url));

/** The `problem` of a `HEARTBEAT: sensors {…}`, or undefined when it has none. */
function problemOf(message: BusMessage | undefined): unknown {
  return (parseSubject(message ?? assert.fail("no heartbeat")).payload as { problem?: unknown }).problem;
}

describe("the sensor reader process on simulated hardware", { timeout: 30_000 }, () => {
  it("publishes states at start and on change, faults for bad entries, STATE for late subscribers; SIGTERM → 0", async () => {
    const rig = await busRig();
    const doors = rig.client.subscribe("DOOR:", "MOTION:");
    const faults = rig.client.subscribe("SENSOR: attic ");
    const climate = rig.client.subscribe("SENSOR: climate ");
    const status = rig.client.subscribe("STATUS: sensors");
    const beats = rig.client.subscribe("HEARTBEAT: sensors ");
    await rig.wanted("DOOR: x");
    await rig.wanted("STATUS: sensors {}");
    const sensors = rig.service("sensors", SENSORS_MAIN, {
      hardware: { backend: "sim" },
      sensors: [
        { id: "front", kind: "door", pin: 25 },
        { id: "hall", kind: "hc-sr501", pin: 24, holdS: 0.3 },
        { id: "attic", kind: "bme820" },
        { id: "climate", kind: "bme280", intervalS: 0.2 },
        { id: "bathroom", kind: "door" },
      ],
    });
    const seen = new Set([(await doors.nextWithin(5000))?.text, (await doors.nextWithin(5000))?.text]);
    assert.deepEqual(seen, new Set(["DOOR: front closed", "MOTION: hall off"]), "states at start: the simulated door is shut");
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

    // The launcher's status shows a heartbeat's problem: the refused entries, summarised.
    assert.equal(
      problemOf(await beats.nextWithin(3000)),
      'sensors[attic] refused: kind: unknown sensor kind "bme820" (and 1 more refused: bathroom)',
    );

    await rig.wanted("SIM: gpio 25 1");
    await rig.client.publish("SIM: gpio 25 1"); // the door opens
    assert.equal((await doors.nextWithin(3000))?.text, "DOOR: front open");
    await rig.client.publish("SIM: gpio 25 0"); // and shuts
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
    assert.equal((await status.nextWithin(3000))?.text, 'STATUS: sensors {"republished":5}');

    await rig.client.publish("CONTROL: sensors STATUS");
    const answer = parseSubject((await status.nextWithin(3000)) ?? assert.fail("no STATUS")).payload as {
      sensors: Record<string, { state: string }>;
    };
    assert.deepEqual(Object.fromEntries(Object.entries(answer.sensors).map(([id, entry]) => [id, entry.state])), {
      front: "running",
      hall: "running",
      attic: "refused",
      climate: "running",
      bathroom: "refused",
    });
    assert.equal(await sensors.stop("SIGTERM"), 0);
  });

  it("runs the default appliance's sensors (roomguard.yaml): a shut door, an idle PIR, a simulated BME280", async () => {
    const { sensors: defaults } = loadConfig({ configPath: DEFAULT_CONFIG, env: {} }).config;
    const rig = await busRig();
    const events = rig.client.subscribe("DOOR: front ", "MOTION: hall ");
    const climate = rig.client.subscribe("SENSOR: climate ");
    const beats = rig.client.subscribe("HEARTBEAT: sensors ");
    await rig.wanted("DOOR: front x");
    await rig.wanted("SENSOR: climate x");
    // The rig's private endpoints and simulated hardware; the sensors exactly as `npm start` has them.
    const sensors = rig.service("sensors", SENSORS_MAIN, { hardware: { backend: "sim" }, sensors: defaults });
    const atStart = new Set([(await events.nextWithin(5000))?.text, (await events.nextWithin(5000))?.text]);
    assert.deepEqual(atStart, new Set(["DOOR: front closed", "MOTION: hall off"]));
    assert.equal(
      (await climate.nextWithin(5000))?.text,
      'SENSOR: climate {"temperature_c":25.08,"humidity_pct":55,"pressure_hpa":1006.53}',
      "a reading at start, not a minute later",
    );
    assert.equal(problemOf(await beats.nextWithin(3000)), undefined, "nothing refused");

    // README's `roomguard sim gpio 25 1`, then 25 0, then a PIR firing.
    await rig.wanted("SIM: gpio 25 1");
    await rig.client.publish("SIM: gpio 25 1");
    assert.equal((await events.nextWithin(3000))?.text, "DOOR: front open");
    await rig.client.publish("SIM: gpio 25 0");
    assert.equal((await events.nextWithin(3000))?.text, "DOOR: front closed");
    await rig.client.publish("SIM: gpio 24 1");
    assert.equal((await events.nextWithin(3000))?.text, "MOTION: hall on");
    assert.equal(await sensors.stop("SIGTERM"), 0);
  });

  it("refuses an entry whose pin another service has, naming its key, and runs the rest", async () => {
    const rig = await busRig();
    const events = rig.client.subscribe("DOOR: ", "MOTION: ");
    const beats = rig.client.subscribe("HEARTBEAT: sensors ");
    await rig.wanted("DOOR: x");
    // The keypad's default buttons take BCM 5, 6, 16, 20 and 21: the door on 5 is the sensor's mistake.
    const sensors = rig.service("sensors", SENSORS_MAIN, {
      hardware: { backend: "sim" },
      sensors: [
        { id: "front", kind: "door", pin: 5 },
        { id: "hall", kind: "pir", pin: 24 },
      ],
    });
    assert.equal((await events.nextWithin(5000))?.text, "MOTION: hall off");
    const problem = await waitUntil(async () => problemOf(await beats.nextWithin(3000)), { what: "a heartbeat with a problem" });
    assert.equal(
      problem,
      "sensors[front] refused: pin: BCM 5 (pin 29) is already used by keypad.buttons.LEFT: each pin can do one job; choose another",
    );
    assert.equal(sensors.child.exitCode, null, "the sensor reader runs on");
    assert.equal(await sensors.stop("SIGTERM"), 0);
  });
});

// What each installed sensor package declares it measures (`measures`, `binary` of defineSensor,
// read by the MQTT bridge's Home Assistant discovery) against what it really publishes: each
// sensor runs on the simulated board, and its reading's keys and its events' topics must be the
// ones declared. A sensor added with `npm run new-sensor` is checked too.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { checkOptions, type SensorDefinition } from "@roomguard/sensor-kit";
import { sensorHarness } from "@roomguard/sensor-kit/testing";
import { writeW1Slave } from "@roomguard/sensor-ds18b20/sim";
import { loadInstalledSensors } from "../src/catalog.js";

const w1Root = mkdtempSync(path.join(tmpdir(), "roomguard-w1-"));
writeW1Slave(w1Root, "28-0316a2795eff", 21.5);
after(() => rmSync(w1Root, { recursive: true, force: true }));

/** Options for the sensors that need more than their defaults; others get `pin: 17` if they take a pin. */
const OPTIONS: Readonly<Record<string, Record<string, unknown>>> = {
  ds18b20: { w1Root },
  door: { pin: 25 },
  pir: { pin: 24 },
};

/** The binary sensor classes that fit each event topic: what `on` means for DOOR (open) and MOTION (on). */
const CLASSES_OF_TOPIC: Readonly<Record<string, readonly string[]>> = {
  DOOR: ["door", "window", "opening", "garage_door", "tamper", "safety", "smoke", "moisture", "problem"],
  MOTION: ["motion", "occupancy", "presence", "moving", "vibration"],
};

function optionsFor(definition: SensorDefinition): Record<string, unknown> {
  return OPTIONS[definition.kind] ?? ("pin" in definition.options.entries ? { pin: 17 } : {});
}

describe("sensor declarations against what each sensor publishes", async () => {
  const definitions = (await loadInstalledSensors()).definitions();

  it("finds the four sensor packages of this repository", () => {
    for (const kind of ["bme280", "ds18b20", "door", "pir"])
      assert.ok(
        definitions.some((definition) => definition.kind === kind),
        kind,
      );
  });

  for (const definition of definitions) {
    it(`${definition.kind}: declares each reading key it publishes, and each binary state`, async () => {
      const options = optionsFor(definition);
      const h = sensorHarness(definition, options, "probe");
      const checked = checkOptions(definition, options);
      assert.ok(checked.ok);
      // As the sensor reader does on simulated hardware: the device's model where the sensor looks.
      definition.simulate?.(checked.options, { i2cBus: h.hal.i2cBus(1), gpio: h.hal.gpio });
      await h.settle(h.sensor.start());
      const readings = [...h.readings];
      if (h.sensor.read) readings.push(await h.settle(h.sensor.read()));
      await h.sensor.stop();

      const declared = Object.keys(definition.measures).sort();
      for (const reading of readings) {
        assert.deepEqual(Object.keys(reading).sort(), declared, `${definition.kind}'s reading ${JSON.stringify(reading)}`);
        for (const value of Object.values(reading)) assert.ok(Number.isFinite(value));
      }
      if (readings.length === 0) assert.deepEqual(declared, [], `${definition.kind} declares quantities but published no reading`);

      if (definition.binary) {
        assert.ok(h.events.length > 0, `${definition.kind} declares binary but published no event at start`);
      } else {
        assert.deepEqual(h.events, [], `${definition.kind} published events but declares no binary`);
      }
      for (const event of h.events)
        assert.ok(
          CLASSES_OF_TOPIC[event.topic]?.includes(definition.binary?.deviceClass ?? ""),
          `${definition.kind}: ${event.topic} events with binary.deviceClass ${definition.binary?.deviceClass}`,
        );
    });
  }
});

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { sensorHarness } from "@roomguard/sensor-kit/testing";
import { sensor } from "../src/index.js";

describe("sensor-pir", () => {
  it("motion on at the first high, off after holdS without motion", async () => {
    const h = sensorHarness(sensor, { pin: 24, holdS: 10 });
    await h.sensor.start();
    assert.deepEqual(h.events, [{ topic: "MOTION", state: "off" }]);
    h.hal.gpio.drive(24, 1);
    assert.deepEqual(h.events.at(-1), { topic: "MOTION", state: "on" });
    h.hal.gpio.drive(24, 0);
    h.clock.advance(9_000);
    h.hal.gpio.drive(24, 1); // moved again within the hold: still the same motion
    h.hal.gpio.drive(24, 0);
    h.clock.advance(9_999);
    assert.equal(h.events.length, 2);
    h.clock.advance(1);
    assert.deepEqual(
      h.events.map((event) => event.state),
      ["off", "on", "off"],
    );
    await h.sensor.stop();
  });

  it("starts on when the module already sees motion; the part number is an alias", async () => {
    const h = sensorHarness(sensor, { pin: 24 });
    h.hal.gpio.drive(24, 1);
    await h.sensor.start();
    assert.deepEqual(h.events, [{ topic: "MOTION", state: "on" }]);
    assert.ok(sensor.aliases.includes("hc-sr501"));
    await h.sensor.stop();
  });

  it("a simulated module starts idle, its output driven low, until SIM-style levels move it", async () => {
    const h = sensorHarness(sensor, { pin: 24, holdS: 1 });
    sensor.simulate?.({ pin: 24, holdS: 1 }, { gpio: h.hal.gpio, i2cBus: h.hal.i2cBus(1) });
    h.hal.gpio.setMode(24, { kind: "input", pull: "up" });
    assert.equal(h.hal.gpio.level(24), 0, "driven, not left to a pull");
    await h.sensor.start();
    assert.deepEqual(h.events, [{ topic: "MOTION", state: "off" }]);
    h.hal.gpio.drive(24, 1); // SIM: gpio 24 1
    assert.deepEqual(h.events.at(-1), { topic: "MOTION", state: "on" });
    h.hal.gpio.drive(24, 0);
    h.clock.advance(1000);
    assert.deepEqual(h.events.at(-1), { topic: "MOTION", state: "off" });
    await h.sensor.stop();
  });

  it("stop cancels a pending off", async () => {
    const h = sensorHarness(sensor, { pin: 24, holdS: 1 });
    await h.sensor.start();
    h.hal.gpio.drive(24, 1);
    h.hal.gpio.drive(24, 0);
    await h.sensor.stop();
    h.clock.advance(5_000);
    assert.deepEqual(
      h.events.map((event) => event.state),
      ["off", "on"],
    );
  });
});

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { sensorHarness } from "@roomguard/sensor-kit/testing";
import { sensor } from "../src/index.js";

describe("sensor-door", () => {
  it("publishes its state at start and on every debounced change", async () => {
    const h = sensorHarness(sensor, { pin: 25 });
    h.hal.gpio.drive(25, 0); // the magnet holds the switch closed: door shut
    await h.sensor.start();
    assert.deepEqual(h.events, [{ topic: "DOOR", state: "closed" }]);
    h.hal.gpio.release(25); // door opens: the pull-up wins
    h.clock.advance(49);
    assert.equal(h.events.length, 1, "inside the 50 ms debounce");
    h.clock.advance(1);
    assert.deepEqual(h.events.at(-1), { topic: "DOOR", state: "open" });
    for (let i = 0; i < 6; i++) {
      h.hal.gpio.drive(25, (i % 2) as 0 | 1); // the door bounces shut
      h.clock.advance(5);
    }
    h.hal.gpio.drive(25, 0);
    h.clock.advance(100);
    assert.deepEqual(
      h.events.map((event) => event.state),
      ["closed", "open", "closed"],
    );
    await h.sensor.stop();
    h.hal.gpio.release(25);
    h.clock.advance(100);
    assert.equal(h.events.length, 3, "nothing after stop");
  });

  it("openWhen: low for a normally-closed switch; a part-number alias", async () => {
    const h = sensorHarness(sensor, { pin: 17, openWhen: "low" });
    await h.sensor.start();
    assert.deepEqual(h.events, [{ topic: "DOOR", state: "closed" }], "pulled up: high = closed");
    assert.ok(sensor.aliases.includes("reed"));
  });

  it("a simulated door starts shut, as a real one with its magnet does; SIM-style levels open and shut it", async () => {
    const h = sensorHarness(sensor, { pin: 25 });
    sensor.simulate?.({ pin: 25, openWhen: "high", debounceMs: 50 }, { gpio: h.hal.gpio, i2cBus: h.hal.i2cBus(1) });
    await h.sensor.start();
    assert.deepEqual(h.events, [{ topic: "DOOR", state: "closed" }], "the contact holds the pulled-up pin low");
    h.hal.gpio.drive(25, 1); // SIM: gpio 25 1
    h.clock.advance(50);
    assert.deepEqual(h.events.at(-1), { topic: "DOOR", state: "open" });
    h.hal.gpio.drive(25, 0); // SIM: gpio 25 0
    h.clock.advance(50);
    assert.deepEqual(h.events.at(-1), { topic: "DOOR", state: "closed" });
    await h.sensor.stop();

    const nc = sensorHarness(sensor, { pin: 17, openWhen: "low" });
    sensor.simulate?.({ pin: 17, openWhen: "low", debounceMs: 50 }, { gpio: nc.hal.gpio, i2cBus: nc.hal.i2cBus(1) });
    assert.equal(nc.hal.gpio.level(17), 1, "a normally-closed contact shut: high");
    await nc.sensor.start();
    assert.deepEqual(nc.events, [{ topic: "DOOR", state: "closed" }]);
    nc.hal.gpio.drive(17, 0);
    nc.clock.advance(50);
    assert.deepEqual(nc.events.at(-1), { topic: "DOOR", state: "open" });
    await nc.sensor.stop();
  });

  it("refuses options it does not know or cannot use, naming them", () => {
    assert.throws(() => sensorHarness(sensor, { pin: 40 }), /expected a BCM GPIO on the 40-pin header \(2-27\)/);
    assert.throws(() => sensorHarness(sensor, { pin: 25, openwhen: "low" }), /openwhen: unknown option \(did you mean openWhen\?\)/);
    assert.throws(
      () => sensorHarness(sensor, {}),
      /^Error: pin: missing \(required\); door takes: pin \(required\), openWhen, debounceMs$/,
    );
    assert.throws(() => sensorHarness(sensor, { pin: 25, openWhen: "sideways" }), /expected high or low/);
  });
});

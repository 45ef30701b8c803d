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

  it("refuses options it does not know or cannot use, naming them", () => {
    assert.throws(() => sensorHarness(sensor, { pin: 40 }), /expected a BCM GPIO on the 40-pin header \(2-27\)/);
    assert.throws(() => sensorHarness(sensor, { pin: 25, openwhen: "low" }), /openwhen/);
    assert.throws(() => sensorHarness(sensor, { pin: 25, openWhen: "sideways" }), /expected high or low/);
  });
});

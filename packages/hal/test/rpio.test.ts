import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { describe, it } from "node:test";
import type RpioModule from "rpio";
import { ManualClock } from "@roomguard/runtime";
import { createRpioHal, HalError, type Board, type Level } from "../src/index.js";

// The real rpio, in its mock mode: register access goes to an in-memory map by BCM number,
// and poll callbacks fire on rpio.emit('pin<N>') instead of the hardware's event bits.
const rpio = createRequire(import.meta.url)("rpio") as typeof RpioModule & NodeJS.EventEmitter;
const pi3: Board = { model: "Raspberry Pi 3 Model B Rev 1.2", isRaspberryPi: true, isPi5: false };

describe("rpio backend (rpio mock mode)", () => {
  it("reads inputs, reports debounced edges from rpio's poll, and stops its poll timer on close", () => {
    const clock = new ManualClock();
    const hal = createRpioHal({ board: pi3, mock: "raspi-3", clock });
    rpio.write(17, 1); // the pull-up, in rpio's mock register map
    const button = hal.openInput(17, { activeLow: true, pull: "up", debounceMs: 20 });
    assert.equal(button.read(), 0);
    const levels: Level[] = [];
    button.watch((level) => levels.push(level));
    rpio.write(17, 0);
    rpio.emit("pin17");
    clock.advance(10);
    rpio.write(17, 1);
    rpio.emit("pin17"); // bounce
    rpio.write(17, 0);
    rpio.emit("pin17");
    clock.advance(19);
    assert.deepEqual(levels, []);
    clock.advance(1);
    assert.deepEqual(levels, [1]);
    hal.close(); // a poll left running would keep this test's process alive
  });

  it("drives outputs push-pull and open-drain", () => {
    const hal = createRpioHal({ board: pi3, mock: "raspi-3" });
    const led = hal.openOutput(18, { initial: 1 });
    assert.equal(rpio.read(18), 1);
    led.write(0);
    assert.equal(rpio.read(18), 0);
    const inverted = hal.openOutput(23, { activeLow: true });
    assert.equal(rpio.read(23), 1);
    inverted.write(1);
    assert.equal(rpio.read(23), 0);
    const row = hal.openOutput(5, { drive: "open-drain", initial: 1 });
    rpio.write(5, 1);
    row.write(0);
    assert.equal(rpio.read(5), 0, "driven low as an output");
    hal.close();
  });

  it("refuses the Pi 5 naming the backend that works, and a machine that is not a Pi", () => {
    assert.throws(
      () => createRpioHal({ board: { model: "Raspberry Pi 5 Model B Rev 1.0", isRaspberryPi: true, isPi5: true } }),
      (error: unknown) =>
        error instanceof HalError &&
        error.code === "UNSUPPORTED_BOARD" &&
        /RP1/.test(error.message) &&
        /hardware.backend: onoff/.test(error.message),
    );
    assert.throws(
      () => createRpioHal({ board: { model: null, isRaspberryPi: false, isPi5: false } }),
      (error: unknown) => error instanceof HalError && error.code === "UNSUPPORTED_BOARD" && /needs a Raspberry Pi/.test(error.message),
    );
  });

  it("says /dev/gpiomem is missing instead of silently falling back to rpio's mock", () => {
    assert.throws(
      () => createRpioHal({ board: pi3, devRoot: "/nonexistent" }),
      (error: unknown) => error instanceof HalError && /no \/nonexistent\/gpiomem/.test(error.message),
    );
  });

  it("PWM: only on PWM pins, only with /dev/mem; duty cycles are checked", () => {
    const gpiomemHal = createRpioHal({ board: pi3, mock: "raspi-3" });
    assert.throws(() => gpiomemHal.openPwm?.(18), /rpio drives PWM only through \/dev\/mem/);
    const hal = createRpioHal({ board: pi3, mock: "raspi-3", gpiomem: false });
    assert.throws(() => hal.openPwm?.(17), /expected a hardware PWM pin \(BCM 12, 13, 18, 19\), got BCM 17/);
    const siren = hal.openPwm?.(18, { frequencyHz: 2000 });
    assert.ok(siren);
    siren.setDutyCycle(0.5);
    assert.throws(() => siren.setDutyCycle(-1), /expected a duty cycle from 0 to 1/);
    hal.close();
  });
});

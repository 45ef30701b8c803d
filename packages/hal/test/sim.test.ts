import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ManualClock } from "@roomguard/runtime";
import { HalError, type Level } from "../src/index.js";
import { createSimHal, RegisterMap, SimGpio } from "../src/sim/index.js";

describe("SimGpio: the wires", () => {
  it("an input follows its pull, a button to ground, and an outside driver", () => {
    const gpio = new SimGpio();
    gpio.setMode(17, { kind: "input", pull: "up" });
    gpio.setMode(27, { kind: "input", pull: "down" });
    assert.equal(gpio.level(17), 1);
    assert.equal(gpio.level(27), 0);
    gpio.drive(17, 0);
    gpio.drive(27, 1);
    assert.equal(gpio.level(17), 0);
    assert.equal(gpio.level(27), 1);
    gpio.release(17);
    assert.equal(gpio.level(17), 1);
  });

  it("a closed switch joins two pins into one net; an open one parts them", () => {
    const gpio = new SimGpio();
    gpio.setMode(5, { kind: "output", level: 0 });
    gpio.setMode(6, { kind: "input", pull: "up" });
    assert.equal(gpio.level(6), 1);
    gpio.connect(5, 6);
    assert.equal(gpio.level(6), 0);
    gpio.disconnect(5, 6);
    assert.equal(gpio.level(6), 1);
  });

  it("a released open-drain pin does not drive: the net follows the pull-up", () => {
    const gpio = new SimGpio();
    gpio.setMode(5, { kind: "released" });
    gpio.setMode(6, { kind: "input", pull: "up" });
    gpio.connect(5, 6);
    assert.equal(gpio.level(6), 1);
  });

  it("three keys of a diode-less matrix make the fourth corner read pressed (ghosting)", () => {
    // rows 5, 6 (row 5 scanned low, row 6 released); columns 13, 19 with pull-ups
    const gpio = new SimGpio();
    gpio.setMode(5, { kind: "output", level: 0 });
    gpio.setMode(6, { kind: "released" });
    gpio.setMode(13, { kind: "input", pull: "up" });
    gpio.setMode(19, { kind: "input", pull: "up" });
    gpio.connect(5, 13); // key (row 5, col 13)
    gpio.connect(6, 13); // key (row 6, col 13)
    gpio.connect(6, 19); // key (row 6, col 19)
    // key (row 5, col 19) is not pressed, but column 19 reads low through row 6 and column 13
    assert.equal(gpio.level(19), 0);
  });

  it("records a short when a net has one driver at 0 and another at 1", () => {
    const gpio = new SimGpio();
    gpio.setMode(5, { kind: "output", level: 0 });
    gpio.setMode(6, { kind: "output", level: 1 });
    gpio.connect(5, 6);
    assert.deepEqual(gpio.shorts, [{ pins: [5, 6] }]);
  });

  it("has the header's GPIOs and no others: a pin off the header is refused, not remembered", () => {
    const gpio = new SimGpio();
    gpio.setMode(17, { kind: "input", pull: "up" });
    let changes = 0;
    gpio.onChange(17, () => changes++);
    // 20,000 distinct pins once grew the board by each, and every change recomputed them all.
    for (let pin = 28; pin < 20_028; pin++) assert.throws(() => gpio.drive(pin, 1), { code: "INVALID_PIN" });
    assert.throws(() => gpio.connect(17, 40), /expected a BCM GPIO on the 40-pin header \(0-27\), got 40/);
    assert.throws(() => gpio.onChange(-1, () => undefined), { code: "INVALID_PIN" });
    gpio.drive(17, 0);
    assert.equal(changes, 1);
    assert.equal(gpio.level(17), 0);
  });

  it("tells listeners only about pins whose level changed", () => {
    const gpio = new SimGpio();
    gpio.setMode(17, { kind: "input", pull: "up" });
    gpio.setMode(22, { kind: "input", pull: "up" });
    const seen: number[] = [];
    gpio.onChange(17, () => seen.push(17));
    gpio.onChange(22, () => seen.push(22));
    gpio.drive(17, 0);
    gpio.drive(17, 0);
    gpio.drive(17, 1);
    assert.deepEqual(seen, [17, 17]);
  });
});

describe("sim hal: inputs", () => {
  it("reads the logical level; activeLow turns a grounded button into 1", () => {
    const hal = createSimHal({ clock: new ManualClock() });
    const button = hal.openInput(17, { activeLow: true, pull: "up" });
    assert.equal(button.read(), 0);
    hal.gpio.drive(17, 0);
    assert.equal(button.read(), 1);
    hal.close();
  });

  it("debounces: bounces inside the window are never reported, the settled level is, once", () => {
    const clock = new ManualClock();
    const hal = createSimHal({ clock });
    const button = hal.openInput(17, { activeLow: true, debounceMs: 20 });
    const levels: Level[] = [];
    button.watch((level) => levels.push(level));
    for (const level of [0, 1, 0, 1, 0] as const) {
      hal.gpio.drive(17, level);
      clock.advance(3);
    }
    assert.deepEqual(levels, [], "nothing inside the window");
    clock.advance(16); // the last edge was 3 ms ago: 19 ms of quiet so far
    assert.deepEqual(levels, []);
    clock.advance(1);
    assert.deepEqual(levels, [1]);
    hal.gpio.drive(17, 1);
    hal.gpio.drive(17, 0); // a glitch that ends where it started
    clock.advance(50);
    assert.deepEqual(levels, [1], "a glitch back to the same level is no change");
    hal.gpio.drive(17, 1);
    clock.advance(20);
    assert.deepEqual(levels, [1, 0]);
    hal.close();
  });

  it("reports only the edges asked for", () => {
    const clock = new ManualClock();
    const hal = createSimHal({ clock });
    const rising = hal.openInput(17, { edge: "rising" });
    const falling = hal.openInput(27, { edge: "falling" });
    const seen: string[] = [];
    rising.watch((level) => seen.push(`17:${level}`));
    falling.watch((level) => seen.push(`27:${level}`));
    for (const level of [0, 1, 0] as const) {
      hal.gpio.drive(17, level);
      hal.gpio.drive(27, level);
    }
    assert.deepEqual(seen, ["27:0", "17:1", "27:0"]);
    hal.close();
  });

  it("refuses pins off the header and a pin opened twice, naming the pin", () => {
    const hal = createSimHal();
    assert.throws(
      () => hal.openInput(28),
      (error: unknown) => error instanceof HalError && error.code === "INVALID_PIN" && /got 28/.test(error.message),
    );
    hal.openInput(17);
    assert.throws(
      () => hal.openOutput(17),
      (error: unknown) => error instanceof HalError && error.code === "PIN_BUSY" && /BCM 17 \(pin 11\)/.test(error.message),
    );
    hal.close();
    assert.doesNotThrow(() => hal.openOutput(17).close(), "close released the pin");
  });

  it("stops reporting after unwatch and after close", () => {
    const hal = createSimHal();
    const input = hal.openInput(17);
    const levels: Level[] = [];
    const unwatch = input.watch((level) => levels.push(level));
    hal.gpio.drive(17, 0);
    unwatch();
    hal.gpio.drive(17, 1);
    input.watch((level) => levels.push(level));
    input.close();
    hal.gpio.drive(17, 0);
    assert.deepEqual(levels, [0]);
  });
});

describe("sim hal: outputs", () => {
  it("push-pull drives both levels; activeLow inverts; pulse returns to the other level", async () => {
    const clock = new ManualClock();
    const hal = createSimHal({ clock });
    const led = hal.openOutput(18);
    const relay = hal.openOutput(23, { activeLow: true, initial: 0 });
    assert.equal(hal.gpio.level(18), 0);
    assert.equal(hal.gpio.level(23), 1);
    led.write(1);
    relay.write(1);
    assert.equal(hal.gpio.level(18), 1);
    assert.equal(hal.gpio.level(23), 0);
    const pulse = led.pulse(100, 0);
    assert.equal(hal.gpio.level(18), 0);
    clock.advance(100);
    await pulse;
    assert.equal(hal.gpio.level(18), 1);
    hal.close();
  });

  it("open-drain drives 0 and lets go for 1", () => {
    const hal = createSimHal();
    const row = hal.openOutput(5, { drive: "open-drain", initial: 1 });
    assert.deepEqual(hal.gpio.mode(5), { kind: "released" });
    row.write(0);
    assert.deepEqual(hal.gpio.mode(5), { kind: "output", level: 0 });
    hal.close();
  });

  it("PWM keeps a duty cycle and refuses one outside 0..1", () => {
    const hal = createSimHal();
    const siren = hal.openPwm(18);
    siren.setDutyCycle(0.25);
    assert.equal(hal.pwm.get(18), 0.25);
    assert.throws(() => siren.setDutyCycle(1.5), /expected a duty cycle from 0 to 1, got 1.5/);
    siren.close();
    assert.equal(hal.pwm.has(18), false);
  });
});

describe("sim hal: I2C", () => {
  it("reads and writes registers, blocks auto-increment, raw transfers use the pointer", async () => {
    const hal = createSimHal();
    const chip = new RegisterMap({ 0xd0: 0x60, 0x88: 0x70, 0x89: 0x6b });
    hal.i2cBus(1).attach(0x76, chip);
    const bus = await hal.openI2c(1);
    assert.equal(await bus.readByte(0x76, 0xd0), 0x60);
    assert.equal(await bus.readWord(0x76, 0x88), 0x6b70);
    const block = Buffer.alloc(2);
    await bus.readI2cBlock(0x76, 0x88, 2, block);
    assert.deepEqual([...block], [0x70, 0x6b]);
    await bus.writeByte(0x76, 0xf4, 0x25);
    assert.equal(chip.bytes[0xf4], 0x25);
    await bus.i2cWrite(0x76, 1, Buffer.of(0x88));
    const raw = Buffer.alloc(2);
    await bus.i2cRead(0x76, 2, raw);
    assert.deepEqual([...raw], [0x70, 0x6b]);
    await bus.writeI2cBlock(0x76, 0x10, 2, Buffer.of(1, 2));
    assert.deepEqual([chip.bytes[0x10], chip.bytes[0x11]], [1, 2]);
  });

  it("a missing chip fails like a real bus (EREMOTEIO), and works again when it comes back", async () => {
    const hal = createSimHal();
    const bus = await hal.openI2c(1);
    await assert.rejects(
      bus.readByte(0x77, 0xd0),
      (error: NodeJS.ErrnoException) => error.code === "EREMOTEIO" && /0x77 on I2C bus 1/.test(error.message),
    );
    hal.i2cBus(1).attach(0x77, new RegisterMap({ 0xd0: 0x60 }));
    assert.equal(await bus.readByte(0x77, 0xd0), 0x60);
    hal.i2cBus(1).detach(0x77);
    await assert.rejects(bus.readByte(0x77, 0xd0), { code: "EREMOTEIO" });
  });

  it("each openI2c is a handle of its own: closing one leaves the bus usable", async () => {
    const hal = createSimHal();
    hal.i2cBus(1).attach(0x76, new RegisterMap({ 0xd0: 0x60 }));
    const first = await hal.openI2c(1);
    await first.close();
    await assert.rejects(first.readByte(0x76, 0xd0), { code: "EBADF" });
    const second = await hal.openI2c(1);
    assert.equal(await second.readByte(0x76, 0xd0), 0x60);
  });

  it("a register model reacts to writes through its hooks", async () => {
    const hal = createSimHal();
    const chip: RegisterMap = new RegisterMap(
      {},
      { onWrite: (register, value) => register === 0xe0 && value === 0xb6 && chip.bytes.fill(0) },
    );
    chip.bytes[0x20] = 9;
    hal.i2cBus(1).attach(0x76, chip);
    const bus = await hal.openI2c(1);
    await bus.writeByte(0x76, 0xe0, 0xb6);
    assert.equal(chip.bytes[0x20], 0);
  });
});

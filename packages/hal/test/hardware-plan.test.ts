import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { bootNeedsOf, planHardware, type HardwareClaim } from "../src/index.js";

const button = (pin: number, name = `K${pin}`): HardwareClaim => ({
  owner: "keypad",
  kind: "gpio",
  pin,
  direction: "in",
  pull: "up",
  purpose: `button ${name}`,
  key: `keypad.buttons.${name}`,
});
const door = (pin: number, id = "front"): HardwareClaim => ({
  owner: "sensors",
  kind: "gpio",
  pin,
  direction: "in",
  pull: "up",
  purpose: "door switch",
  key: `sensors[${id}].pin`,
});
const bme280 = (address = 0x76, id = "climate"): HardwareClaim => ({
  owner: "sensors",
  kind: "i2c",
  address,
  purpose: "BME280",
  key: `sensors[${id}].i2cAddress`,
});
const issuesOf = (claims: HardwareClaim[]): string[] =>
  planHardware(claims).issues.map((issue) => `${issue.owner} ${issue.key}: ${issue.message}`);

describe("the hardware plan", () => {
  it("lays out every claim by BCM number, with the header pin, owner, direction and pull", () => {
    const plan = planHardware([button(5, "LEFT"), door(25), bme280()]);
    assert.deepEqual(plan.issues, []);
    assert.deepEqual(
      plan.pins.map((pin) => [pin.bcm, pin.physical, pin.owner, pin.key, pin.use, pin.pull, pin.purpose]),
      [
        [2, 3, "sensors", "sensors[climate].i2cAddress", "i2c", "board", "I2C SDA"],
        [3, 5, "sensors", "sensors[climate].i2cAddress", "i2c", "board", "I2C SCL"],
        [5, 29, "keypad", "keypad.buttons.LEFT", "in", "up", "button LEFT"],
        [25, 22, "sensors", "sensors[front].pin", "in", "up", "door switch"],
      ],
    );
    assert.deepEqual(plan.i2c, [{ address: 0x76, owner: "sensors", key: "sensors[climate].i2cAddress", purpose: "BME280" }]);
  });

  it("refuses pins off the header and the HAT EEPROM's BCM 0/1, by name", () => {
    assert.deepEqual(issuesOf([button(40), button(1), button(2.5)]), [
      "keypad keypad.buttons.K40: expected a BCM GPIO on the 40-pin header (2-27), got 40",
      "keypad keypad.buttons.K1: expected a BCM GPIO on the 40-pin header (2-27), got 1: BCM 0 and 1 are reserved for the HAT ID EEPROM",
      "keypad keypad.buttons.K2.5: expected a BCM GPIO on the 40-pin header (2-27), got 2.5",
    ]);
  });

  it("names both owners of a pin used twice, in one service or across two; the later claim is refused", () => {
    assert.deepEqual(issuesOf([button(5, "LEFT"), button(5, "RIGHT")]), [
      "keypad keypad.buttons.RIGHT: BCM 5 (pin 29) is already used by keypad.buttons.LEFT: each pin can do one job; choose another",
    ]);
    assert.deepEqual(issuesOf([button(25, "SELECT"), door(25)]), [
      "sensors sensors[front].pin: BCM 25 (pin 22) is already used by keypad.buttons.SELECT: each pin can do one job; choose another",
    ]);
  });

  it("keeps BCM 2/3 for the I2C bus once a chip is on it, whatever comes first, and allows them otherwise", () => {
    assert.deepEqual(issuesOf([button(2, "LEFT"), bme280()]), [
      "keypad keypad.buttons.LEFT: BCM 2 (pin 3, I2C SDA) is the I2C bus, used by sensors[climate].i2cAddress: each pin can do one job; choose another",
    ]);
    assert.deepEqual(issuesOf([button(2, "LEFT")]), []);
  });

  it("lets chips share the I2C bus but not an address", () => {
    assert.deepEqual(issuesOf([bme280(0x76, "a"), bme280(0x77, "b")]), []);
    assert.deepEqual(issuesOf([bme280(0x76, "a"), bme280(0x76, "b")]), [
      "sensors sensors[b].i2cAddress: I2C address 0x76 is already used by sensors[a].i2cAddress: two chips cannot answer one address",
    ]);
    assert.deepEqual(issuesOf([bme280(0x80, "a")]), [
      "sensors sensors[a].i2cAddress: expected a 7-bit I2C address from 0x03 to 0x77, got 128",
    ]);
  });

  it("shares a 1-Wire pin between its devices and keeps it from a button", () => {
    const thermometer = (id: string): HardwareClaim => ({
      owner: "sensors",
      kind: "1-wire",
      pin: 4,
      purpose: "DS18B20",
      key: `sensors[${id}]`,
    });
    assert.deepEqual(issuesOf([button(4, "LEFT"), thermometer("a"), thermometer("b")]), [
      "keypad keypad.buttons.LEFT: BCM 4 (pin 7, 1-Wire (default)) is the 1-Wire bus, used by sensors[a]: each pin can do one job; choose another",
    ]);
  });

  it("puts a PWM output only on a PWM pin, one per channel", () => {
    const pwm = (pin: number, key: string): HardwareClaim => ({ owner: "alarm", kind: "pwm", pin, purpose: "buzzer", key });
    assert.deepEqual(issuesOf([pwm(18, "alarm.buzzer.pin")]), []);
    assert.deepEqual(issuesOf([pwm(17, "alarm.buzzer.pin")]), [
      "alarm alarm.buzzer.pin: BCM 17 (pin 11) has no hardware PWM: use BCM 12 or 18 (PWM0), 13 or 19 (PWM1)",
    ]);
    assert.deepEqual(issuesOf([pwm(18, "a"), pwm(12, "b")]), [
      "alarm b: BCM 12 (pin 32) is on PWM0, already driven by a: use the other channel",
    ]);
    assert.deepEqual(issuesOf([button(18, "LEFT"), pwm(18, "a")]), [
      "keypad keypad.buttons.LEFT: BCM 18 (pin 12) is already used by a: each pin can do one job; choose another",
    ]);
  });

  it("says what the Pi must set at boot, by owner: pulls, I2C, 1-Wire", () => {
    const pir: HardwareClaim = {
      owner: "sensors",
      kind: "gpio",
      pin: 24,
      direction: "in",
      pull: "down",
      purpose: "PIR",
      key: "sensors[hall].pin",
    };
    const siren: HardwareClaim = {
      owner: "alarm",
      kind: "gpio",
      pin: 17,
      direction: "out",
      pull: "none",
      purpose: "siren",
      key: "alarm.siren.pin",
    };
    const oneWire: HardwareClaim = { owner: "sensors", kind: "1-wire", pin: 4, purpose: "DS18B20", key: "sensors[t]" };
    assert.deepEqual(bootNeedsOf(planHardware([button(5), button(6), door(25), pir, bme280(), siren, oneWire])), [
      { for: "sensors", pullUp: [25], pullDown: [24], i2c: true, oneWirePins: [4] },
      { for: "keypad", pullUp: [5, 6] },
    ]);
  });
});

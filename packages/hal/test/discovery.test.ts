import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { createLogger } from "@roomguard/runtime";
import {
  chooseBackend,
  describePin,
  findHeaderChip,
  HalError,
  HEADER_GPIOS,
  headerPin,
  openHal,
  openLinuxI2c,
  physicalPin,
  readBoard,
} from "../src/index.js";

function sysfsTree(chips: Array<{ base: number; label: string; ngpio?: number }>): string {
  const root = mkdtempSync(path.join(tmpdir(), "roomguard-sysfs-"));
  writeFileSync(path.join(root, "export"), "");
  for (const chip of chips) {
    const dir = path.join(root, `gpiochip${chip.base}`);
    mkdirSync(dir);
    writeFileSync(path.join(dir, "base"), `${chip.base}\n`);
    writeFileSync(path.join(dir, "label"), `${chip.label}\n`);
    writeFileSync(path.join(dir, "ngpio"), `${chip.ngpio ?? 54}\n`);
  }
  return root;
}

function modelFile(model: string): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), "roomguard-dt-")), "model");
  writeFileSync(file, `${model}\0`);
  return file;
}

describe("GPIO chip discovery", () => {
  it("finds the header chip by label whatever its base: 0, 512, 571", () => {
    assert.equal(findHeaderChip(sysfsTree([{ base: 0, label: "pinctrl-bcm2835" }])).base, 0);
    assert.equal(
      findHeaderChip(
        sysfsTree([
          { base: 512, label: "pinctrl-bcm2711" },
          { base: 570, label: "raspberrypi-exp-gpio" },
        ]),
      ).base,
      512,
    );
    const pi5 = sysfsTree([
      { base: 512, label: "gpio-brcmstb@107d508500" },
      { base: 571, label: "pinctrl-rp1" },
    ]);
    assert.equal(findHeaderChip(pi5).base, 571, "not the lowest base: the one labelled pinctrl-rp1");
  });

  it("says what it found when no chip is a Pi's", () => {
    assert.throws(
      () => findHeaderChip(sysfsTree([{ base: 0, label: "gpio-mockup-A" }])),
      (error: unknown) =>
        error instanceof HalError && error.code === "NO_GPIO_CHIP" && /found gpiochip0 "gpio-mockup-A"/.test(error.message),
    );
  });

  it("says the kernel has no sysfs GPIO when the root is missing", () => {
    assert.throws(
      () => findHeaderChip("/nonexistent/gpio"),
      (error: unknown) =>
        error instanceof HalError && error.code === "NO_SYSFS_GPIO" && /no sysfs GPIO at \/nonexistent\/gpio/.test(error.message),
    );
  });
});

describe("board and backend choice", () => {
  it("reads the device-tree model; a missing one is not a Pi", () => {
    assert.deepEqual(readBoard(modelFile("Raspberry Pi 4 Model B Rev 1.4")), {
      model: "Raspberry Pi 4 Model B Rev 1.4",
      isRaspberryPi: true,
      isPi5: false,
    });
    assert.equal(readBoard(modelFile("Raspberry Pi 5 Model B Rev 1.0")).isPi5, true);
    assert.deepEqual(readBoard("/nonexistent/model"), { model: null, isRaspberryPi: false, isPi5: false });
  });

  it("auto: sim off a Pi, onoff for interrupts, rpio for scanning except on a Pi 5", () => {
    const pi4 = readBoard(modelFile("Raspberry Pi 4 Model B Rev 1.4"));
    const pi5 = readBoard(modelFile("Raspberry Pi 5 Model B Rev 1.0"));
    const laptop = readBoard("/nonexistent/model");
    assert.equal(chooseBackend(laptop, "interrupts").backend, "sim");
    assert.match(chooseBackend(laptop, "scanning").reason, /not a Raspberry Pi/);
    assert.equal(chooseBackend(pi4, "interrupts").backend, "onoff");
    assert.equal(chooseBackend(pi4, "scanning").backend, "rpio");
    assert.equal(chooseBackend(pi5, "scanning").backend, "onoff");
  });

  it("openHal logs the backend it picked and why", () => {
    const lines: string[] = [];
    const log = createLogger({ service: "test", format: "json", stream: { write: (text: string) => lines.push(text) } });
    const hal = openHal(
      { backend: "auto", gpioSysfsRoot: "/sys/class/gpio", rpioGpiomem: true },
      { log, board: readBoard("/nonexistent/model") },
    );
    assert.equal(hal.backend, "sim");
    const line = JSON.parse(lines[0] ?? "{}") as Record<string, unknown>;
    assert.equal(line.msg, "hardware backend sim");
    assert.match(String(line.reason), /not a Raspberry Pi/);
  });

  it("onoff on a machine without sysfs GPIO fails with the reason, not a stack trace", () => {
    const log = createLogger({ service: "test", format: "json", stream: { write: () => true } });
    assert.throws(
      () => openHal({ backend: "onoff", gpioSysfsRoot: "/nonexistent/gpio", rpioGpiomem: true }, { log }),
      (error: unknown) => error instanceof HalError && error.code === "NO_SYSFS_GPIO" && /CONFIG_GPIO_SYSFS/.test(error.message),
    );
  });
});

describe("the 40-pin header", () => {
  it("maps BCM numbers to physical pins and names their second jobs", () => {
    assert.equal(physicalPin(17), 11);
    assert.equal(physicalPin(2), 3);
    assert.equal(physicalPin(21), 40);
    assert.equal(physicalPin(28), undefined);
    assert.equal(headerPin(1), "3V3");
    assert.equal(headerPin(11), 17);
    assert.equal(describePin(3), "BCM 3 (pin 5, I2C SCL)");
    assert.deepEqual(
      HEADER_GPIOS,
      Array.from({ length: 28 }, (_, i) => i),
    );
  });
});

describe("real I2C (i2c-bus)", () => {
  it("a missing /dev/i2c-N says to enable I2C", async () => {
    await assert.rejects(
      openLinuxI2c(1, mkdtempSync(path.join(tmpdir(), "roomguard-dev-"))),
      (error: unknown) =>
        error instanceof HalError &&
        error.code === "NO_I2C_BUS" &&
        /no I2C bus .*i2c-1 \(enable I2C: sudo raspi-config nonint do_i2c 0/.test(error.message),
    );
  });

  it("i2c-bus itself failing to open the device is explained the same way", async () => {
    // The device exists where we look first, but i2c-bus opens /dev/i2c-9 at the first transfer.
    const dev = mkdtempSync(path.join(tmpdir(), "roomguard-dev-"));
    writeFileSync(path.join(dev, "i2c-9"), "");
    const bus = await openLinuxI2c(9, dev);
    await assert.rejects(
      bus.readByte(0x76, 0xd0),
      (error: unknown) =>
        error instanceof HalError &&
        error.code === "NO_I2C_BUS" &&
        error.cause instanceof Error &&
        /ENOENT.*\/dev\/i2c-9/.test(error.cause.message),
    );
    await bus.close();
  });
});

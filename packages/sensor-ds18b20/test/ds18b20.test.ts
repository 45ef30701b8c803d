import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { sensorHarness } from "@roomguard/sensor-kit/testing";
import { crc8, parseW1Slave, sensor } from "../src/index.js";
import { writeW1Slave } from "../src/sim.js";

const ID = "28-0316a2795eff";
const w1Root = (): string => mkdtempSync(path.join(tmpdir(), "roomguard-w1-"));

describe("DS18B20 w1_slave parsing and CRC", () => {
  it("a real line from a Pi: CRC 0x57 over the scratchpad, 23.125 °C", () => {
    const text = "72 01 4b 46 7f ff 0e 10 57 : crc=57 YES\n72 01 4b 46 7f ff 0e 10 57 t=23125\n";
    const parsed = parseW1Slave(text);
    assert.equal(crc8(parsed.bytes.slice(0, 8)), 0x57);
    assert.deepEqual(parsed, { bytes: [0x72, 0x01, 0x4b, 0x46, 0x7f, 0xff, 0x0e, 0x10, 0x57], kernelCrcOk: true, milliCelsius: 23125 });
  });

  it("refuses anything else, saying what it expected", () => {
    assert.throws(() => parseW1Slave("00 00 00\n"), /expected the two lines of a DS18B20's w1_slave/);
  });
});

describe("sensor-ds18b20", () => {
  it("finds the only device, reads it, follows changes; negative temperatures too", async () => {
    const root = w1Root();
    writeW1Slave(root, ID, 21.5);
    const h = sensorHarness(sensor, { w1Root: root });
    await h.sensor.start();
    assert.deepEqual(await h.sensor.read?.(), { temperature_c: 21.5 });
    writeW1Slave(root, ID, -10.125);
    assert.deepEqual(await h.sensor.read?.(), { temperature_c: -10.125 });
    await h.sensor.stop();
  });

  it("a CRC failure (the kernel's NO, or bytes that do not match) is an error", async () => {
    const root = w1Root();
    writeW1Slave(root, ID, 21.5, { corrupt: true });
    const h = sensorHarness(sensor, { w1Root: root, address: ID });
    await h.sensor.start();
    await assert.rejects(h.sensor.read?.() ?? Promise.resolve(), { code: "CRC", message: /1-Wire CRC failure .*kernel: NO/ });
    // The kernel said YES but the bytes do not add up: our own check catches it.
    writeFileSync(path.join(root, ID, "w1_slave"), "72 01 4b 46 7f ff 0e 10 58 : crc=58 YES\n72 01 4b 46 7f ff 0e 10 58 t=23125\n");
    await assert.rejects(h.sensor.read?.() ?? Promise.resolve(), { code: "CRC", message: /ours: 0x57 vs 0x58/ });
  });

  it("85 °C straight after power-on is refused, not reported", async () => {
    const root = w1Root();
    writeW1Slave(root, ID, 85, { powerOn: true });
    const h = sensorHarness(sensor, { w1Root: root });
    await h.sensor.start();
    await assert.rejects(h.sensor.read?.() ?? Promise.resolve(), { code: "POWER_ON" });
  });

  it("a device that disappears mid-run is an error naming the file; it reads again when back", async () => {
    const root = w1Root();
    writeW1Slave(root, ID, 20);
    const h = sensorHarness(sensor, { w1Root: root });
    await h.sensor.start();
    rmSync(path.join(root, ID), { recursive: true });
    await assert.rejects(h.sensor.read?.() ?? Promise.resolve(), { code: "NO_DEVICE", message: /the DS18B20 is gone/ });
    writeW1Slave(root, ID, 20.5);
    assert.deepEqual(await h.sensor.read?.(), { temperature_c: 20.5 });
  });

  it("start: no 1-Wire bus says how to enable it; none or several devices say which", async () => {
    await assert.rejects(sensorHarness(sensor, { w1Root: "/nonexistent/w1" }).sensor.start(), {
      code: "NO_W1",
      message: /dtoverlay=w1-gpio/,
    });
    const empty = w1Root();
    await assert.rejects(sensorHarness(sensor, { w1Root: empty }).sensor.start(), { code: "NO_DEVICE", message: /no DS18B20 \(28-…\)/ });
    writeW1Slave(empty, ID, 20);
    writeW1Slave(empty, "28-000000000001", 20);
    await assert.rejects(sensorHarness(sensor, { w1Root: empty }).sensor.start(), {
      message: /several DS18B20s .*set address to one of 28-000000000001, 28-0316a2795eff/,
    });
    await assert.rejects(sensorHarness(sensor, { w1Root: empty, address: "28-00000000000f" }).sensor.start(), {
      message: /no DS18B20 28-00000000000f/,
    });
    assert.throws(() => sensorHarness(sensor, { address: "10-000000000001" }), /expected a DS18B20 id like 28-0316a2795eff/);
  });
});

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { RegisterMap } from "@roomguard/hal/sim";
import { sensorHarness } from "@roomguard/sensor-kit/testing";
import { compensateHumidity, compensatePressure, compensateTemperature, parseCalibration, sensor } from "../src/index.js";
import { Bme280Model, EXAMPLE_CALIBRATION as C, EXAMPLE_RAW } from "../src/sim.js";

/** The datasheet's double-precision formulas (BMP280 8.1, BME280 8.1): an independent check. */
function doublePrecision(adcT: number, adcP: number, adcH: number) {
  const var1 = (adcT / 16384 - C.T1 / 1024) * C.T2;
  const var2 = (adcT / 131072 - C.T1 / 8192) ** 2 * C.T3;
  const tFine = Math.trunc(var1 + var2);
  let p1 = tFine / 2 - 64000;
  let p2 = (p1 * p1 * C.P6) / 32768;
  p2 = p2 + p1 * C.P5 * 2;
  p2 = p2 / 4 + C.P4 * 65536;
  p1 = ((C.P3 * p1 * p1) / 524288 + C.P2 * p1) / 524288;
  p1 = (1 + p1 / 32768) * C.P1;
  let p = 1048576 - adcP;
  p = ((p - p2 / 4096) * 6250) / p1;
  p = p + ((C.P9 * p * p) / 2147483648 + (p * C.P8) / 32768 + C.P7) / 16;
  let h = tFine - 76800;
  h = (adcH - (C.H4 * 64 + (C.H5 / 16384) * h)) * ((C.H2 / 65536) * (1 + (C.H6 / 67108864) * h * (1 + (C.H3 / 67108864) * h)));
  h = h * (1 - (C.H1 * h) / 524288);
  return { temperatureC: (var1 + var2) / 5120, pressurePa: p, humidityPct: Math.min(100, Math.max(0, h)) };
}

describe("BME280 compensation (datasheet 4.2.3, integer formulas)", () => {
  it("the worked example: adc_T 519888 → t_fine 128422, 25.08 °C", () => {
    assert.deepEqual(compensateTemperature(EXAMPLE_RAW.adcT, C), { centiCelsius: 2508, tFine: 128422 });
  });

  it("pressure: the published 64-bit formula gives 25767233 (Q24.8); the datasheet's figure prints 25767236 (100653.27 Pa)", () => {
    const q248 = compensatePressure(EXAMPLE_RAW.adcP, 128422, C);
    assert.equal(q248, 25767233);
    assert.ok(Math.abs(q248 - 25767236) <= 3, "within 0.012 Pa of the printed figure");
    assert.ok(Math.abs(q248 / 256 - doublePrecision(EXAMPLE_RAW.adcT, EXAMPLE_RAW.adcP, EXAMPLE_RAW.adcH).pressurePa) < 0.01);
  });

  it("agrees with the datasheet's double-precision formulas across the range", () => {
    for (const adcT of [350000, 440000, 519888, 600000]) {
      for (const adcP of [250000, 350000, 415148, 500000]) {
        for (const adcH of [10000, 25000, 30000, 40000]) {
          const { centiCelsius, tFine } = compensateTemperature(adcT, C);
          const reference = doublePrecision(adcT, adcP, adcH);
          assert.ok(Math.abs(centiCelsius / 100 - reference.temperatureC) <= 0.01, `T at ${adcT}`);
          // The two formulas round t_fine differently: up to a few hundredths of a pascal apart.
          assert.ok(Math.abs(compensatePressure(adcP, tFine, C) / 256 - reference.pressurePa) < 0.25, `P at ${adcT}/${adcP}`);
          assert.ok(Math.abs(compensateHumidity(adcH, tFine, C) / 1024 - reference.humidityPct) < 0.02, `H at ${adcT}/${adcH}`);
        }
      }
    }
  });

  it("parses the calibration block, including the 12-bit H4/H5 sharing 0xE5, and negative values", () => {
    const model = new Bme280Model({ ...C, H4: -349, H5: -30, H6: -2 });
    const block = (from: number, length: number) => Buffer.from(Array.from({ length }, (_, i) => model.readRegister(from + i)));
    assert.deepEqual(parseCalibration(block(0x88, 26), block(0xe1, 7)), { ...C, H4: -349, H5: -30, H6: -2 });
  });
});

describe("sensor-bme280 on a simulated chip", () => {
  it("checks the chip id, reads calibration, forces one conversion per reading", async () => {
    const h = sensorHarness(sensor, {});
    const chip = new Bme280Model();
    h.hal.i2cBus(1).attach(0x76, chip);
    await h.sensor.start();
    assert.deepEqual(await h.settle(h.sensor.read?.()), { temperature_c: 25.08, humidity_pct: 55, pressure_hpa: 1006.53 });
    assert.equal(chip.conversions, 1);
    await h.sensor.stop();
  });

  it("the second address works; a wrong chip id names what was found", async () => {
    const at77 = sensorHarness(sensor, { i2cAddress: 0x77 });
    at77.hal.i2cBus(1).attach(0x77, new Bme280Model(C, 0x58));
    await assert.rejects(at77.sensor.start(), {
      code: "CHIP_ID",
      message: "expected a BME280 (chip id 0x60) at 0x77, got chip id 0x58 (a BMP280: no humidity)",
    });
    assert.throws(() => sensorHarness(sensor, { i2cAddress: 0x40 }), /expected an I2C address of this chip: 0x76 or 0x77/);
  });

  it("nothing at the address: the bus's EREMOTEIO", async () => {
    const h = sensorHarness(sensor, {});
    await assert.rejects(h.sensor.start(), { code: "EREMOTEIO" });
  });

  it("values outside the chip's range are a fault, not a reading", async () => {
    const h = sensorHarness(sensor, {});
    const chip = new Bme280Model();
    chip.raw.adcT = 1_000_000; // far beyond 85 °C
    h.hal.i2cBus(1).attach(0x76, chip);
    await h.sensor.start();
    await assert.rejects(h.settle(h.sensor.read?.()), { code: "RANGE" });
  });

  it("a chip that never finishes converting times out", async () => {
    const h = sensorHarness(sensor, {});
    const stuck = new RegisterMap({ 0xd0: 0x60, 0xf3: 0x08 });
    h.hal.i2cBus(1).attach(0x76, stuck);
    await h.sensor.start();
    await assert.rejects(h.settle(h.sensor.read?.()), { code: "TIMEOUT" });
  });
});

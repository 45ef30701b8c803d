import { defineSensor, i2cAddressOption, SensorError, v, type I2cBus, type Reading } from "@roomguard/sensor-kit";
import {
  compensateHumidity,
  compensatePressure,
  compensateTemperature,
  parseCalibration,
  parseRaw,
  type Calibration,
} from "./compensate.js";
import { Bme280Model } from "./sim.js";
import { CHIP_ID, CTRL_HUM_X1, CTRL_MEAS_FORCED_X1, MAX_CONVERSION_MS, Register, STATUS_MEASURING } from "./registers.js";

export {
  compensateHumidity,
  compensatePressure,
  compensateTemperature,
  parseCalibration,
  parseRaw,
  type Calibration,
} from "./compensate.js";
export { Register } from "./registers.js";

/** The chip's operating range (datasheet 1.1): a value outside it is a fault, not a reading. */
const RANGE = { temperature_c: [-40, 85], humidity_pct: [0, 100], pressure_hpa: [300, 1100] } as const;

/**
 * Bosch BME280 on I2C: temperature, relative humidity and pressure, one forced conversion per
 * reading (the chip sleeps in between, which also keeps it from warming itself).
 */
export const sensor = defineSensor({
  kind: "bme280",
  aliases: ["bme-280"],
  description: "Bosch BME280 (I2C 0x76/0x77) → SENSOR: <id> {temperature_c, humidity_pct, pressure_hpa}",
  options: v.strictObject({ i2cAddress: i2cAddressOption([0x76, 0x77]) }),
  defaultIntervalS: 30,
  measures: {
    temperature_c: { name: "temperature", deviceClass: "temperature", unit: "°C" },
    humidity_pct: { name: "humidity", deviceClass: "humidity", unit: "%" },
    pressure_hpa: { name: "pressure", deviceClass: "atmospheric_pressure", unit: "hPa" },
  },
  hardware: (options) => [{ kind: "i2c", address: options.i2cAddress, purpose: "BME280", key: "i2cAddress" }],
  simulate(options, board) {
    if (!board.i2cBus.has(options.i2cAddress)) board.i2cBus.attach(options.i2cAddress, new Bme280Model());
  },
  create(options, context) {
    const address = options.i2cAddress;
    const where = `0x${address.toString(16)}`;
    let bus: I2cBus | undefined;
    let calibration: Calibration | undefined;

    const sleep = (ms: number): Promise<void> => new Promise((resolve) => context.clock.setTimeout(resolve, ms));
    const readBlock = async (register: number, length: number): Promise<Buffer> => {
      const buffer = Buffer.alloc(length);
      await (bus as I2cBus).readI2cBlock(address, register, length, buffer);
      return buffer;
    };

    return {
      async start() {
        bus = await context.openI2c();
        const id = await bus.readByte(address, Register.ID);
        if (id !== CHIP_ID) {
          const guess = id === 0x58 ? " (a BMP280: no humidity)" : id === 0x61 ? " (a BME680)" : "";
          throw new SensorError("CHIP_ID", `expected a BME280 (chip id 0x60) at ${where}, got chip id 0x${id.toString(16)}${guess}`);
        }
        calibration = parseCalibration(await readBlock(Register.CALIB_TP, 26), await readBlock(Register.CALIB_H2, 7));
      },
      async read(): Promise<Reading> {
        if (!bus || !calibration) throw new SensorError("NOT_STARTED", "read before start");
        await bus.writeByte(address, Register.CTRL_HUM, CTRL_HUM_X1);
        await bus.writeByte(address, Register.CTRL_MEAS, CTRL_MEAS_FORCED_X1);
        await sleep(MAX_CONVERSION_MS);
        for (let tries = 0; (await bus.readByte(address, Register.STATUS)) & STATUS_MEASURING; tries++) {
          if (tries >= 10) throw new SensorError("TIMEOUT", `the BME280 at ${where} did not finish its conversion`);
          await sleep(2);
        }
        const { adcT, adcP, adcH } = parseRaw(await readBlock(Register.DATA, 8));
        const { centiCelsius, tFine } = compensateTemperature(adcT, calibration);
        const reading = {
          temperature_c: centiCelsius / 100,
          humidity_pct: Math.round((compensateHumidity(adcH, tFine, calibration) / 1024) * 100) / 100,
          pressure_hpa: Math.round(compensatePressure(adcP, tFine, calibration) / 256) / 100,
        };
        for (const [key, [low, high]] of Object.entries(RANGE)) {
          const value = reading[key as keyof typeof RANGE];
          if (!(value >= low && value <= high))
            throw new SensorError("RANGE", `${key} ${value} is outside the BME280's range ${low} to ${high}: a wiring or chip fault`);
        }
        return reading;
      },
      stop() {
        const closing = bus?.close();
        bus = undefined;
        calibration = undefined;
        return closing ?? Promise.resolve();
      },
    };
  },
});

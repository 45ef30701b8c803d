import type { SimI2cDevice } from "@roomguard/hal/sim";
import type { Calibration } from "./compensate.js";
import { CHIP_ID, Register, STATUS_MEASURING } from "./registers.js";

/** The calibration of the datasheet's worked example (BMP280 datasheet 3.12) with typical humidity words. */
export const EXAMPLE_CALIBRATION: Calibration = {
  T1: 27504, T2: 26435, T3: -1000,
  P1: 36477, P2: -10685, P3: 3024, P4: 2855, P5: 140, P6: -7, P7: 15500, P8: -14600, P9: 6000,
  H1: 75, H2: 362, H3: 0, H4: 313, H5: 50, H6: 30,
}; // prettier-ignore

/** The raw values of the worked example (25.08 °C, 1006.53 hPa) and about 55 %RH. */
export const EXAMPLE_RAW = { adcT: 519888, adcP: 415148, adcH: 30000 };

/**
 * A BME280 as its datasheet describes it, register by register: chip id, calibration words,
 * reset, forced mode (a conversion latches the raw values into 0xF7-0xFE, `measuring` is set
 * for the next status read, then the chip sleeps). Tests set `raw` to what the chip "measures".
 */
export class Bme280Model implements SimI2cDevice {
  raw = { ...EXAMPLE_RAW };
  /** Forced conversions done; tests check the driver sleeps the chip between readings. */
  conversions = 0;
  private readonly registers = new Uint8Array(256);
  private measuringReads = 0;

  constructor(calibration: Calibration = EXAMPLE_CALIBRATION, chipId = CHIP_ID) {
    const c = calibration;
    const tp = Buffer.alloc(26);
    tp.writeUInt16LE(c.T1, 0);
    [c.T2, c.T3].forEach((word, i) => tp.writeInt16LE(word, 2 + i * 2));
    tp.writeUInt16LE(c.P1, 6);
    [c.P2, c.P3, c.P4, c.P5, c.P6, c.P7, c.P8, c.P9].forEach((word, i) => tp.writeInt16LE(word, 8 + i * 2));
    tp.writeUInt8(c.H1, 25);
    const h = Buffer.alloc(7);
    h.writeInt16LE(c.H2, 0);
    h.writeUInt8(c.H3, 2);
    // H4 = 0xE4[7:0] << 4 | 0xE5[3:0]; H5 = 0xE6[7:0] << 4 | 0xE5[7:4] (table 16)
    h.writeUInt8((c.H4 >> 4) & 0xff, 3);
    h.writeUInt8(((c.H5 & 0x0f) << 4) | (c.H4 & 0x0f), 4);
    h.writeUInt8((c.H5 >> 4) & 0xff, 5);
    h.writeInt8(c.H6, 6);
    this.registers.set(tp, Register.CALIB_TP);
    this.registers.set(h, Register.CALIB_H2);
    this.registers[Register.ID] = chipId;
    this.reset();
  }

  readRegister(register: number): number {
    if (register === Register.STATUS) {
      if (this.measuringReads === 0) return 0;
      this.measuringReads--;
      return STATUS_MEASURING;
    }
    return this.registers[register] ?? 0;
  }

  writeRegister(register: number, value: number): void {
    if (register === Register.RESET) {
      if (value === 0xb6) this.reset();
      return;
    }
    if (register !== Register.CTRL_HUM && register !== Register.CTRL_MEAS && register !== Register.CONFIG) return; // read-only
    this.registers[register] = value;
    if (register === Register.CTRL_MEAS && (value & 0b11) !== 0b00 && (value & 0b11) !== 0b11) this.convert();
  }

  private convert(): void {
    this.conversions++;
    this.measuringReads = 1;
    const { adcT, adcP, adcH } = this.raw;
    const data = [
      adcP >> 12,
      (adcP >> 4) & 0xff,
      (adcP & 0x0f) << 4,
      adcT >> 12,
      (adcT >> 4) & 0xff,
      (adcT & 0x0f) << 4,
      adcH >> 8,
      adcH & 0xff,
    ];
    this.registers.set(data, Register.DATA);
    this.registers[Register.CTRL_MEAS] = (this.registers[Register.CTRL_MEAS] ?? 0) & ~0b11; // back to sleep
  }

  private reset(): void {
    this.registers[Register.CTRL_HUM] = 0;
    this.registers[Register.CTRL_MEAS] = 0;
    this.registers[Register.CONFIG] = 0;
    // Reset values of the data registers: 0x80000 for T and P, 0x8000 for H (5.3).
    this.registers.set([0x80, 0, 0, 0x80, 0, 0, 0x80, 0], Register.DATA);
  }
}

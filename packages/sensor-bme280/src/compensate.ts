/**
 * The BME280's compensation, as the datasheet gives it in 32- and 64-bit integer arithmetic
 * (section 4.2.3, rev. 1.1 of the code): these must agree bit for bit with the chip's own
 * reference, so products wrap as C's int32 does (Math.imul) and pressure uses 64-bit BigInt.
 */

/** The trimming parameters read from the chip (section 4.2.2, table 16). */
export interface Calibration {
  T1: number; T2: number; T3: number;
  P1: number; P2: number; P3: number; P4: number; P5: number; P6: number; P7: number; P8: number; P9: number;
  H1: number; H2: number; H3: number; H4: number; H5: number; H6: number;
} // prettier-ignore

/** Parses the 26 bytes from 0x88 and the 7 bytes from 0xE1. */
export function parseCalibration(tp: Buffer, h: Buffer): Calibration {
  const e5 = h.readUInt8(4);
  const e6 = h.readInt8(5);
  return {
    T1: tp.readUInt16LE(0), T2: tp.readInt16LE(2), T3: tp.readInt16LE(4),
    P1: tp.readUInt16LE(6), P2: tp.readInt16LE(8), P3: tp.readInt16LE(10), P4: tp.readInt16LE(12), P5: tp.readInt16LE(14),
    P6: tp.readInt16LE(16), P7: tp.readInt16LE(18), P8: tp.readInt16LE(20), P9: tp.readInt16LE(22),
    H1: tp.readUInt8(25),
    H2: h.readInt16LE(0), H3: h.readUInt8(2),
    // H4 and H5 are 12-bit signed values sharing register 0xE5 (table 16).
    H4: (h.readInt8(3) * 16) | (e5 & 0x0f),
    H5: (e6 * 16) | (e5 >> 4),
    H6: h.readInt8(6),
  }; // prettier-ignore
}

/** Raw 20-bit temperature and pressure, 16-bit humidity, from the 8 data bytes at 0xF7. */
export function parseRaw(data: Buffer): { adcT: number; adcP: number; adcH: number } {
  const twenty = (offset: number): number =>
    (data.readUInt8(offset) << 12) | (data.readUInt8(offset + 1) << 4) | (data.readUInt8(offset + 2) >> 4);
  return { adcP: twenty(0), adcT: twenty(3), adcH: data.readUInt16BE(6) };
}

/** Temperature in 0.01 °C, and t_fine, which pressure and humidity need. */
export function compensateTemperature(adcT: number, c: Calibration): { centiCelsius: number; tFine: number } {
  const var1 = Math.imul((adcT >> 3) - (c.T1 << 1), c.T2) >> 11;
  const d = (adcT >> 4) - c.T1;
  const var2 = Math.imul(Math.imul(d, d) >> 12, c.T3) >> 14;
  const tFine = (var1 + var2) | 0;
  return { centiCelsius: (Math.imul(tFine, 5) + 128) >> 8, tFine };
}

/** Pressure in Pa as Q24.8 (divide by 256), the 64-bit formula. 0 when the calibration would divide by zero. */
export function compensatePressure(adcP: number, tFine: number, c: Calibration): number {
  const int64 = (n: bigint): bigint => BigInt.asIntN(64, n);
  let var1 = BigInt(tFine) - 128000n;
  let var2 = int64(var1 * var1 * BigInt(c.P6));
  var2 = int64(var2 + ((var1 * BigInt(c.P5)) << 17n));
  var2 = int64(var2 + (BigInt(c.P4) << 35n));
  var1 = int64(((var1 * var1 * BigInt(c.P3)) >> 8n) + ((var1 * BigInt(c.P2)) << 12n));
  var1 = int64((((1n << 47n) + var1) * BigInt(c.P1)) >> 33n);
  if (var1 === 0n) return 0;
  let p = 1048576n - BigInt(adcP);
  p = int64((((p << 31n) - var2) * 3125n) / var1);
  var1 = int64((BigInt(c.P9) * (p >> 13n) * (p >> 13n)) >> 25n);
  var2 = int64((BigInt(c.P8) * p) >> 19n);
  p = ((p + var1 + var2) >> 8n) + (BigInt(c.P7) << 4n);
  return Number(BigInt.asUintN(32, p));
}

/** Relative humidity in %RH as Q22.10 (divide by 1024). */
export function compensateHumidity(adcH: number, tFine: number, c: Calibration): number {
  let v = (tFine - 76800) | 0;
  const a = ((((adcH << 14) - (c.H4 << 20) - Math.imul(c.H5, v)) | 0) + 16384) >> 15;
  const b = ((Math.imul(Math.imul(v, c.H6) >> 10, (Math.imul(v, c.H3) >> 11) + 32768) >> 10) + 2097152) | 0;
  v = Math.imul(a, (Math.imul(b, c.H2) + 8192) >> 14);
  v = (v - ((Math.imul(Math.imul(v >> 15, v >> 15) >> 7, c.H1) >> 4) | 0)) | 0;
  v = Math.min(Math.max(v, 0), 419430400);
  return v >>> 12;
}

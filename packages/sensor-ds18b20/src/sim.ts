import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { crc8 } from "./w1-slave.js";

/**
 * Writes what the kernel's w1_therm shows for a DS18B20 measuring `celsius`, under
 * `root/<address>/w1_slave`: a real scratchpad (12-bit, 1/16 °C steps) with its CRC.
 * `corrupt` flips a data bit after the CRC was computed, as line noise would.
 */
export function writeW1Slave(root: string, address: string, celsius: number, options: { corrupt?: boolean; powerOn?: boolean } = {}): void {
  const raw = options.powerOn ? 0x0550 : Math.round(celsius * 16) & 0xffff;
  const bytes = [raw & 0xff, raw >> 8, 0x4b, 0x46, 0x7f, 0xff, 0x0c, 0x10];
  bytes.push(crc8(bytes));
  if (options.corrupt) bytes[0] = (bytes[0] ?? 0) ^ 0x04;
  const kernelOk = crc8(bytes.slice(0, 8)) === bytes[8];
  const hex = bytes.map((byte) => byte.toString(16).padStart(2, "0")).join(" ");
  const signed = raw >= 0x8000 ? raw - 0x10000 : raw;
  mkdirSync(join(root, address), { recursive: true });
  writeFileSync(
    join(root, address, "w1_slave"),
    `${hex} : crc=${hex.slice(-2)} ${kernelOk ? "YES" : "NO"}\n${hex} t=${Math.round((signed * 1000) / 16)}\n`,
  );
}

/**
 * The kernel's `w1_slave` file for a DS18B20 (w1_therm): the 9 scratchpad bytes, the CRC the
 * kernel checked, and the temperature in thousandths of a degree:
 *
 *     72 01 4b 46 7f ff 0e 10 57 : crc=57 YES
 *     72 01 4b 46 7f ff 0e 10 57 t=23125
 */
export interface Scratchpad {
  bytes: number[];
  /** The kernel's verdict on the CRC. */
  kernelCrcOk: boolean;
  /** t= in m°C. */
  milliCelsius: number;
}

/** Dallas/Maxim 1-Wire CRC-8 (x^8 + x^5 + x^4 + 1, reflected), over the first 8 scratchpad bytes. */
export function crc8(bytes: readonly number[]): number {
  let crc = 0;
  for (let byte of bytes) {
    for (let bit = 0; bit < 8; bit++) {
      const mix = (crc ^ byte) & 1;
      crc >>= 1;
      if (mix) crc ^= 0x8c;
      byte >>= 1;
    }
  }
  return crc;
}

/** Parses the file; throws a message naming what is wrong with it. */
export function parseW1Slave(text: string): Scratchpad {
  const [first = "", second = ""] = text.trim().split("\n");
  const crcLine = /^((?:[0-9a-f]{2} ){9}): crc=([0-9a-f]{2}) (YES|NO)$/i.exec(first.trim());
  const tempLine = /^(?:[0-9a-f]{2} ){9}t=(-?\d+)$/i.exec(second.trim());
  if (!crcLine || !tempLine)
    throw new Error(`expected the two lines of a DS18B20's w1_slave (… crc=XX YES / … t=NNNNN), got ${JSON.stringify(text.slice(0, 120))}`);
  return {
    bytes: (crcLine[1] ?? "")
      .trim()
      .split(" ")
      .map((hex) => parseInt(hex, 16)),
    kernelCrcOk: crcLine[3]?.toUpperCase() === "YES",
    milliCelsius: Number(tempLine[1]),
  };
}

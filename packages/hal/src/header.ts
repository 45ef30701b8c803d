import { HalError } from "./errors.js";

/**
 * The Raspberry Pi's 40-pin header (every model since the B+): physical pin → what is on it.
 * Source: raspberrypi.com/documentation/computers/raspberry-pi.html#gpio.
 */
const HEADER: readonly (number | string)[] = [
  "3V3", "5V", 2, "5V", 3, "GND", 4, 14, "GND", 15,
  17, 18, 27, "GND", 22, 23, "3V3", 24, 10, "GND",
  9, 25, 11, 8, "GND", 7, 0, 1, 5, "GND",
  6, 12, 13, "GND", 19, 16, 26, 20, "GND", 21,
]; // prettier-ignore

/** Pins with a second job that a wiring plan must respect. */
export const SPECIAL_PINS: Readonly<Record<number, string>> = {
  0: "ID_SD (HAT EEPROM)",
  1: "ID_SC (HAT EEPROM)",
  2: "I2C SDA",
  3: "I2C SCL",
  4: "1-Wire (default)",
  14: "UART TXD",
  15: "UART RXD",
};

/** BCM numbers of the I2C-1 bus: SDA, SCL. */
export const I2C_PINS = [2, 3] as const;

/** The hardware PWM channel of each pin that has one: two pins of one channel cannot carry different signals. */
export const PWM_CHANNELS: Readonly<Record<number, "PWM0" | "PWM1">> = { 12: "PWM0", 13: "PWM1", 18: "PWM0", 19: "PWM1" };

/** The physical header pin (1–40) of a BCM GPIO, or undefined when it is not on the header. */
export function physicalPin(bcm: number): number | undefined {
  const index = HEADER.indexOf(bcm);
  return index < 0 ? undefined : index + 1;
}

/** `BCM 17 (pin 11)`: how errors and docs name a pin. */
export function describePin(bcm: number): string {
  const physical = physicalPin(bcm);
  const role = SPECIAL_PINS[bcm];
  return `BCM ${bcm}${physical === undefined ? "" : ` (pin ${physical}${role ? `, ${role}` : ""})`}`;
}

/** `0x76`: how errors and the pin plan name an I2C address. */
export function hexAddress(address: number): string {
  return `0x${address.toString(16).padStart(2, "0")}`;
}

/** Every BCM GPIO on the header, ascending (0–27). */
export const HEADER_GPIOS: readonly number[] = HEADER.filter((entry): entry is number => typeof entry === "number").sort((a, b) => a - b);

/** Whether `pin` is a BCM GPIO on the header: not a fraction, a negative or 28 and up. */
export function isHeaderGpio(pin: number): boolean {
  return HEADER_GPIOS.includes(pin);
}

/** Throws `INVALID_PIN` unless `pin` is a BCM GPIO on the header. */
export function checkHeaderGpio(pin: number): void {
  if (!isHeaderGpio(pin)) throw new HalError("INVALID_PIN", `expected a BCM GPIO on the 40-pin header (0-27), got ${pin}`);
}

/** What is on a physical pin: a BCM number, or `3V3`, `5V`, `GND`. */
export function headerPin(physical: number): number | string | undefined {
  return HEADER[physical - 1];
}

import * as v from "valibot";

/**
 * The option names other services rely on: a GPIO sensor's pin is `pin` (the keypad checks
 * that no key uses it), an I2C sensor's address is `i2cAddress` (the keypad keeps BCM 2/3 free).
 */
export const pinOption = v.pipe(
  v.number("expected a BCM GPIO number"),
  v.integer("expected a whole BCM GPIO number"),
  v.minValue(2, "expected a BCM GPIO on the 40-pin header (2-27)"),
  v.maxValue(27, "expected a BCM GPIO on the 40-pin header (2-27)"),
);

/** A 7-bit I2C address, one of those the chip can have (`[0x76, 0x77]`), the first by default. */
export function i2cAddressOption(addresses: readonly [number, ...number[]]) {
  const names = addresses.map((address) => `0x${address.toString(16)}`).join(" or ");
  return v.optional(
    v.pipe(
      v.number(`expected an I2C address (${names})`),
      v.check((address) => addresses.includes(address), `expected an I2C address of this chip: ${names}`),
    ),
    addresses[0],
  );
}

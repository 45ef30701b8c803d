import * as v from "valibot";

/**
 * A BCM GPIO number. Name the option `pin` (and an I2C address `i2cAddress`): a sensor without
 * its own `hardware()` is put in the pin plan by these names.
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

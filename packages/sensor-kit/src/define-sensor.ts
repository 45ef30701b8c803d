import type { HardwareUse } from "@roomguard/hal";
import type { SimGpio, SimI2cBus } from "@roomguard/hal/sim";
import type * as v from "valibot";
import type { Sensor, SensorContext } from "./types.js";

/** Kinds and aliases: lower case, digits and `-` (`bme280`, `hc-sr501`). */
export const KIND_PATTERN = /^[a-z][a-z0-9-]*$/;

/** The options schema of a sensor: a strict object, so a typo in the config is an error. */
export type OptionsSchema = v.StrictObjectSchema<v.ObjectEntries, v.ErrorMessage<v.StrictObjectIssue> | undefined>;

export interface SensorDefinition<S extends OptionsSchema = OptionsSchema> {
  /** The name used in the config (`kind: bme280`). */
  kind: string;
  /** Other names for the same sensor, usually part numbers (`hc-sr501` → `pir`). */
  aliases: readonly string[];
  /** One line for docs and error messages. */
  description: string;
  /** The sensor's own config keys (besides `id`, `kind`, `intervalS`), units in the names. */
  options: S;
  /** Seconds between readings for sensors with `read()`; the entry's `intervalS` overrides it. */
  defaultIntervalS?: number;
  /** Builds the sensor. Only stores: everything that can fail belongs in `start()`. */
  create(options: v.InferOutput<S>, context: SensorContext): Sensor;
  /**
   * On simulated hardware, puts a model of the device where the sensor will look for it (an
   * I2C chip model on the bus, a door's magnet holding its contact closed), so the appliance
   * runs on a laptop as it would on a Pi. Called once, before `create`.
   */
  simulate?(options: v.InferOutput<S>, board: SimulatedBoard): void;
  /**
   * The pins and buses the sensor uses with these options, for the one hardware plan of the
   * whole config (`roomguard check`): a pin used twice is refused, naming both users, and the
   * deploy sets up at boot what a running program cannot (pulls, I2C, 1-Wire). `key` is the
   * option that chose the pin (`pin`), or "" when the hardware fixes it. Without it, an option
   * `pin` counts as a GPIO input with no pull and `i2cAddress` as a chip on the I2C bus.
   */
  hardware?(options: v.InferOutput<S>): HardwareUse[];
}

/**
 * What `simulate` may touch: the simulated I2C bus the sensor will open, and the wires outside
 * the Pi (`gpio.drive(pin, 0)`: the device holds the pin low until a `SIM: gpio` message drives
 * it otherwise).
 */
export interface SimulatedBoard {
  i2cBus: Pick<SimI2cBus, "attach" | "has">;
  gpio: Pick<SimGpio, "drive">;
}

/**
 * Declares a sensor package's sensor. Export it as `sensor`:
 * `export const sensor = defineSensor({ kind: "door", … })`. Throws when the definition itself
 * is malformed, so a broken package fails its own tests, not the sensor reader.
 */
export function defineSensor<S extends OptionsSchema>(definition: {
  kind: string;
  aliases?: readonly string[];
  description: string;
  options: S;
  defaultIntervalS?: number;
  create(options: v.InferOutput<S>, context: SensorContext): Sensor;
  simulate?(options: v.InferOutput<S>, board: SimulatedBoard): void;
  hardware?(options: v.InferOutput<S>): HardwareUse[];
}): SensorDefinition<S> {
  for (const name of [definition.kind, ...(definition.aliases ?? [])]) {
    if (!KIND_PATTERN.test(name)) throw new Error(`sensor kind/alias: expected lower case, digits and -, got "${name}"`);
  }
  for (const reserved of ["id", "kind", "intervalS"]) {
    if (reserved in definition.options.entries)
      throw new Error(`sensor ${definition.kind}: option "${reserved}" is reserved for the sensor reader`);
  }
  return { ...definition, aliases: definition.aliases ?? [] };
}

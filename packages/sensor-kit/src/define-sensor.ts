import type { HardwareUse } from "@roomguard/hal";
import type { SimGpio, SimI2cBus } from "@roomguard/hal/sim";
import type * as v from "valibot";
import type { Sensor, SensorContext } from "./types.js";

/** Kinds and aliases: lower case, digits and `-` (`bme280`, `hc-sr501`). */
export const KIND_PATTERN = /^[a-z][a-z0-9-]*$/;

/** A reading's key: lower case, digits and single `_`s, the unit last (`temperature_c`, `humidity_pct`). */
export const QUANTITY_PATTERN = /^[a-z][a-z0-9]*(_[a-z0-9]+)*$/;

/** Home Assistant's state classes of a sensor (developers.home-assistant.io, "Available state classes"). */
export type StateClass = "measurement" | "measurement_angle" | "total" | "total_increasing";
const STATE_CLASSES: readonly StateClass[] = ["measurement", "measurement_angle", "total", "total_increasing"];

/**
 * What one quantity of a reading is, so Home Assistant (through the MQTT bridge's discovery) and
 * the dashboard show it without a table of their own: `temperature_c: { deviceClass:
 * "temperature", unit: "°C" }`.
 */
export interface Measure {
  /** What people call it, lower case: `temperature`. Default: the key. */
  name?: string;
  /** Home Assistant's sensor device class (`temperature`, `humidity`, `atmospheric_pressure`, …); none: a plain number. */
  deviceClass?: string;
  /** The unit as Home Assistant spells it for that device class (`°C`, `%`, `hPa`); none: unitless. */
  unit?: string;
  /** Home Assistant's state class. Default `measurement`: a value now, averaged in its statistics. */
  stateClass?: StateClass;
}

/**
 * Home Assistant's binary sensor device classes (home-assistant.io/integrations/binary_sensor,
 * "Device class"): what `on` means.
 */
export type BinaryDeviceClass =
  | "battery"
  | "battery_charging"
  | "carbon_monoxide"
  | "cold"
  | "connectivity"
  | "door"
  | "garage_door"
  | "gas"
  | "heat"
  | "light"
  | "lock"
  | "moisture"
  | "motion"
  | "moving"
  | "occupancy"
  | "opening"
  | "plug"
  | "power"
  | "presence"
  | "problem"
  | "running"
  | "safety"
  | "smoke"
  | "sound"
  | "tamper"
  | "update"
  | "vibration"
  | "window";
const BINARY_DEVICE_CLASSES: ReadonlySet<string> = new Set<BinaryDeviceClass>([
  "battery",
  "battery_charging",
  "carbon_monoxide",
  "cold",
  "connectivity",
  "door",
  "garage_door",
  "gas",
  "heat",
  "light",
  "lock",
  "moisture",
  "motion",
  "moving",
  "occupancy",
  "opening",
  "plug",
  "power",
  "presence",
  "problem",
  "running",
  "safety",
  "smoke",
  "sound",
  "tamper",
  "update",
  "vibration",
  "window",
]);

/** What a binary sensor's state (`DOOR: <id> open`, `MOTION: <id> on`) is: `{ deviceClass: "door" }`. */
export interface BinaryDeclaration {
  /** Home Assistant's binary sensor device class: `door` (open is on), `motion` (motion is on). */
  deviceClass: BinaryDeviceClass;
}

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
  /**
   * Each key a reading of this sensor has, and what it measures (`{}` when the sensor publishes
   * no readings). A reading's key that is not here gets no Home Assistant entity.
   */
  measures: Readonly<Record<string, Measure>>;
  /** A binary sensor (one publishing `DOOR:`/`MOTION:` events): what its state means. */
  binary?: BinaryDeclaration;
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
  measures?: Readonly<Record<string, Measure>>;
  binary?: BinaryDeclaration;
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
  const measures = definition.measures ?? {};
  for (const [key, measure] of Object.entries(measures)) {
    const where = `sensor ${definition.kind}: measures.${key}`;
    if (!QUANTITY_PATTERN.test(key))
      throw new Error(`${where}: expected a key of lower case, digits and single _ (temperature_c), got "${key}"`);
    if (measure.stateClass !== undefined && !STATE_CLASSES.includes(measure.stateClass))
      throw new Error(`${where}.stateClass: expected one of ${STATE_CLASSES.join(", ")}, got "${String(measure.stateClass)}"`);
    for (const field of ["name", "deviceClass", "unit"] as const) {
      const value = measure[field];
      if (value !== undefined && (typeof value !== "string" || value.trim() === "" || value.length > 64))
        throw new Error(`${where}.${field}: expected a short text, got ${JSON.stringify(value)}`);
    }
  }
  if (definition.binary && !BINARY_DEVICE_CLASSES.has(definition.binary.deviceClass))
    throw new Error(
      `sensor ${definition.kind}: binary.deviceClass: expected a Home Assistant binary sensor class such as door or motion, got "${String(definition.binary.deviceClass)}"`,
    );
  return { ...definition, aliases: definition.aliases ?? [], measures };
}

import type { Hal, I2cBus } from "@roomguard/hal";
import type { Clock, Logger } from "@roomguard/runtime";

/**
 * A reading: one finite number per quantity, the unit in the key (`temperature_c`,
 * `humidity_pct`, `pressure_hpa`). Published as `SENSOR: <id> {json}`.
 */
export type Reading = Readonly<Record<string, number>>;

/** A binary sensor's state, published on its own topic so the alarm can subscribe to just it. */
export type BinaryEvent = { topic: "DOOR"; state: "open" | "closed" } | { topic: "MOTION"; state: "on" | "off" };

/** What a sensor may do to the world: no bus, no config, no process. */
export interface SensorContext {
  /** The sensor's id from the config, for messages. */
  readonly id: string;
  readonly hal: Hal;
  /** Opens the I2C bus of the config (`hardware.i2cBus`). */
  openI2c(): Promise<I2cBus>;
  readonly clock: Clock;
  readonly log: Logger;
  /** Publishes a binary sensor's state (on change, and once at start). */
  event(event: BinaryEvent): void;
  /** Publishes a reading now (periodic sensors return readings from `read()` instead). */
  reading(reading: Reading): void;
}

/** A configured sensor. `create` only stores; `start` does what can fail; `stop` releases everything. */
export interface Sensor {
  /** Opens the hardware and checks it (chip id, device present). Rejects with a clear message. */
  start(): Promise<void>;
  /** Releases every pin, bus and timer. Called after a failure too; must not throw. */
  stop(): Promise<void>;
  /** Periodic sensors: one reading, taken every `intervalS`. Rejects when the sensor fails. */
  read?(): Promise<Reading>;
}

/** A sensor error with a code for people and programs (`CHIP_ID`, `CRC`, `RANGE`, …). */
export class SensorError extends Error {
  override readonly name = "SensorError";
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

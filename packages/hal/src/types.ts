/** A logical level: 1 is "active" (after `activeLow` is applied), 0 is inactive. */
export type Level = 0 | 1;

/** Which changes an input reports. */
export type Edge = "rising" | "falling" | "both";

/** The hardware backends; `auto` in the config resolves to one of these. */
export type BackendName = "sim" | "onoff" | "rpio";

export interface InputOptions {
  /** Invert the level: a button to ground with a pull-up reads 1 when pressed. Default false. */
  activeLow?: boolean;
  /**
   * Quiet time after the last edge before the level is sampled and reported, in ms.
   * Contact bounce inside the window is never reported. Default 0 (report every edge).
   */
  debounceMs?: number;
  /** Which changes `watch` reports. Default `both`. */
  edge?: Edge;
  /**
   * The pin's pull resistor, set where the backend can (rpio, sim; sim defaults to `up`).
   * sysfs cannot set pulls: on onoff the deploy writes `gpio=<n>=ip,pu` to config.txt.
   */
  pull?: "up" | "down" | "none";
}

/** An input pin. It has no `write`: an input cannot be driven. */
export interface DigitalInput {
  /** BCM number. */
  readonly pin: number;
  /** The current logical level, read from the hardware now (not debounced). */
  read(): Level;
  /**
   * Calls `listener` with the new logical level after every debounced change the edge
   * setting asks for. Returns a function that stops watching.
   */
  watch(listener: (level: Level) => void): () => void;
  /** Stops watching and releases the pin. Safe to call twice. */
  close(): void;
}

/**
 * How an output opens. `push-pull` (default) drives 0 and 1. `open-drain` drives 0 and
 * releases the pin for 1 (it becomes an input), as a keypad matrix needs so that two pressed
 * keys never short two driven rows together; it has no `activeLow`.
 */
export type OutputOptions =
  | {
      /** Level written when the pin opens. Default 0. */
      initial?: Level;
      drive?: "push-pull";
      /** Invert the level: `write(1)` drives the pin low. Default false. */
      activeLow?: boolean;
    }
  | {
      /** Level written when the pin opens. Default 0 (driven low). */
      initial?: Level;
      drive: "open-drain";
      activeLow?: never;
    };

/** An output pin. It has no `watch`: nothing to wait for on a pin we drive. */
export interface DigitalOutput {
  /** BCM number. */
  readonly pin: number;
  write(level: Level): void;
  /** Writes `level` (default 1), waits `ms`, writes the opposite. */
  pulse(ms: number, level?: Level): Promise<void>;
  /** Leaves the pin at 0 (released for open-drain) and releases it. Safe to call twice. */
  close(): void;
}

/** A hardware PWM output (backends that can: rpio). */
export interface PwmOutput {
  readonly pin: number;
  /** The share of each period the pin is high, 0 to 1. */
  setDutyCycle(fraction: number): void;
  close(): void;
}

export interface PwmOptions {
  /** Frequency in Hz. Default 1000. */
  frequencyHz?: number;
}

/**
 * The subset of i2c-bus's promise API (`PromisifiedBus`) that drivers use, with the same
 * signatures, so a real bus is passed through unchanged. Addresses are 7-bit.
 */
export interface I2cBus {
  readByte(address: number, command: number): Promise<number>;
  writeByte(address: number, command: number, byte: number): Promise<void>;
  readWord(address: number, command: number): Promise<number>;
  readI2cBlock(address: number, command: number, length: number, buffer: Buffer): Promise<{ bytesRead: number; buffer: Buffer }>;
  writeI2cBlock(address: number, command: number, length: number, buffer: Buffer): Promise<{ bytesWritten: number; buffer: Buffer }>;
  i2cRead(address: number, length: number, buffer: Buffer): Promise<{ bytesRead: number; buffer: Buffer }>;
  i2cWrite(address: number, length: number, buffer: Buffer): Promise<{ bytesWritten: number; buffer: Buffer }>;
  close(): Promise<void>;
}

/** One opened hardware backend. Pins are BCM numbers. */
export interface Hal {
  readonly backend: BackendName;
  /** Opens an input. Throws `HalError` (`INVALID_PIN`, `PIN_BUSY`, `PERMISSION_DENIED`, …). */
  openInput(pin: number, options?: InputOptions): DigitalInput;
  /** Opens an output. Throws `HalError` like `openInput`. */
  openOutput(pin: number, options?: OutputOptions): DigitalOutput;
  /** Hardware PWM; undefined where the backend cannot do it. */
  readonly openPwm?: (pin: number, options?: PwmOptions) => PwmOutput;
  /** Opens I2C bus `n` (`/dev/i2c-n`). Rejects with `HalError` `NO_I2C_BUS` when it is missing. */
  openI2c(busNumber: number): Promise<I2cBus>;
  /** Releases every pin this hal opened. */
  close(): void;
}

import { closeSync, openSync, writeSync } from "node:fs";
import type * as Onoff from "onoff";
import { systemClock, type Clock } from "@roomguard/runtime";
import { edgeWanted } from "../debounce.js";
import { errnoCode, HalError } from "../errors.js";
import { findHeaderChip } from "../gpio-chips.js";
import { describePin } from "../header.js";
import { loadNative } from "../load-native.js";
import { openLinuxI2c } from "../i2c.js";
import { PinRegistry } from "../pin-registry.js";
import { outputHandle } from "../pin-handles.js";
import type { DigitalInput, DigitalOutput, Hal, InputOptions, Level, OutputOptions } from "../types.js";

/** Where onoff works: it has this path built in. */
const ONOFF_ROOT = "/sys/class/gpio";

export interface OnoffHalOptions {
  /**
   * Where to find the GPIO chips (`gpiochipN/base`, `gpiochipN/label`). onoff itself always uses
   * `/sys/class/gpio`; this is the default, and tests point discovery elsewhere.
   */
  sysfsRoot?: string;
  clock?: Clock;
  /** Where `/dev/i2c-N` lives. Default `/dev`. */
  devRoot?: string;
}

/**
 * sysfs GPIO through onoff: edge interrupts via epoll, onoff's own debounce. BCM numbers are
 * translated to sysfs numbers (`base + BCM`) with the base of the header chip.
 */
export function createOnoffHal(options: OnoffHalOptions = {}): Hal {
  const sysfsRoot = options.sysfsRoot ?? ONOFF_ROOT;
  const clock = options.clock ?? systemClock;
  const { Gpio } = loadNative<typeof Onoff>("onoff");
  const chip = findHeaderChip(sysfsRoot);
  const registry = new PinRegistry();

  const open = (
    pin: number,
    direction: "in" | "high" | "low",
    gpioOptions: { activeLow?: boolean; debounceTimeout?: number },
  ): Onoff.Gpio => {
    registry.claim(pin);
    const sysfsNumber = chip.base + pin;
    try {
      return direction === "in" ? new Gpio(sysfsNumber, "in", "both", gpioOptions) : new Gpio(sysfsNumber, direction, "none", gpioOptions);
    } catch (error) {
      throw sysfsError(error, pin, sysfsNumber, sysfsRoot);
    }
  };

  return {
    backend: "onoff",
    openInput(pin: number, inputOptions: InputOptions = {}): DigitalInput {
      const gpio = open(pin, "in", { activeLow: inputOptions.activeLow ?? false, debounceTimeout: inputOptions.debounceMs ?? 0 });
      const edge = inputOptions.edge ?? "both";
      let reported = gpio.readSync();
      const listeners = new Set<(level: Level) => void>();
      const onChange = (error: Error | null | undefined, level: Level): void => {
        // onoff calls back after its debounce with the level it read; report changes only.
        if (error || level === reported) return;
        reported = level;
        if (edgeWanted(edge, level)) for (const listener of listeners) listener(level);
      };
      let closed = false;
      const input: DigitalInput = {
        pin,
        read: () => gpio.readSync(),
        watch(listener) {
          if (listeners.size === 0) {
            reported = gpio.readSync();
            gpio.watch(onChange);
          }
          listeners.add(listener);
          return () => {
            listeners.delete(listener);
            if (listeners.size === 0 && !closed) gpio.unwatch(onChange);
          };
        },
        close() {
          if (closed) return;
          closed = true;
          listeners.clear();
          gpio.unexport();
          registry.released(pin);
        },
      };
      registry.opened(pin, input);
      return input;
    },

    openOutput(pin: number, outputOptions: OutputOptions = {}): DigitalOutput {
      const initial = outputOptions.initial ?? 0;
      const openDrain = outputOptions.drive === "open-drain";
      const activeLow = outputOptions.drive !== "open-drain" && outputOptions.activeLow === true;
      // "high"/"low" set direction and level in one write, so the pin never glitches.
      const gpio = open(pin, openDrain && initial === 1 ? "in" : initial === 1 ? "high" : "low", { activeLow });
      // Open-drain switches direction on every write (a matrix scan does it hundreds of times a
      // second): one write on a kept-open fd, where onoff's setDirection opens and closes the file.
      const directionFd = openDrain ? openSync(`${ONOFF_ROOT}/gpio${chip.base + pin}/direction`, "r+") : -1;
      const write = (level: Level): void => {
        if (openDrain) writeSync(directionFd, level === 1 ? "in" : "low", 0);
        else gpio.writeSync(level);
      };
      const release = (): void => {
        write(openDrain ? 1 : 0);
        if (openDrain) closeSync(directionFd);
        gpio.unexport();
      };
      return outputHandle({ pin, registry, clock, write, release });
    },

    openI2c: (busNumber) => openLinuxI2c(busNumber, options.devRoot),
    close: () => registry.closeAll(),
  };
}

/** What sysfs's errno means for a person wiring a Pi. */
function sysfsError(error: unknown, pin: number, sysfsNumber: number, sysfsRoot: string): HalError {
  const where = `${describePin(pin)} (sysfs gpio${sysfsNumber})`;
  const cause = { cause: error };
  switch (errnoCode(error)) {
    case "EBUSY":
      return new HalError(
        "PIN_BUSY",
        `${where} is busy: another program or a kernel driver (I2C, SPI, 1-Wire, an overlay) holds it`,
        "free it or choose another pin",
        cause,
      );
    case "EACCES":
    case "EPERM":
      return new HalError(
        "PERMISSION_DENIED",
        `permission denied opening ${where} under ${sysfsRoot}`,
        "add the user to the gpio group (sudo usermod -aG gpio $USER) and log in again",
        cause,
      );
    case "EINVAL":
      return new HalError("INVALID_PIN", `the kernel refused to export ${where}`, "the GPIO chip base may be wrong for this kernel", cause);
    default:
      return new HalError("IO_ERROR", `cannot open ${where}: ${error instanceof Error ? error.message : String(error)}`, undefined, cause);
  }
}

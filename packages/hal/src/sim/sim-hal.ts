import { systemClock, type Clock } from "@roomguard/runtime";
import { PinRegistry } from "../pin-registry.js";
import { checkDutyCycle, debouncedInputHandle, outputHandle } from "../pin-handles.js";
import { invert } from "../level.js";
import type { DigitalInput, DigitalOutput, Hal, InputOptions, Level, OutputOptions, PwmOutput } from "../types.js";
import { SimGpio } from "./sim-gpio.js";
import { SimI2cBus } from "./sim-i2c.js";

export interface SimHalOptions {
  /** Default: the system clock. Tests pass a ManualClock to run debounce without waiting. */
  clock?: Clock;
  /** The simulated wiring; default a new one. */
  gpio?: SimGpio;
}

/** The simulated backend, plus the handles tests and `SIM:` messages use to drive it. */
export interface SimHal extends Hal {
  readonly backend: "sim";
  /** The wires: `gpio.drive(17, 0)` is a button pressed on BCM 17. */
  readonly gpio: SimGpio;
  /** A simulated I2C bus, created on first use; attach chip models to it. */
  i2cBus(busNumber: number): SimI2cBus;
  /** Duty cycle of each simulated PWM pin, 0 to 1. */
  readonly pwm: ReadonlyMap<number, number>;
  readonly openPwm: (pin: number) => PwmOutput;
}

/** An in-memory Pi: the same pin rules, debounce and errors as the real backends. */
export function createSimHal(options: SimHalOptions = {}): SimHal {
  const clock = options.clock ?? systemClock;
  const gpio = options.gpio ?? new SimGpio();
  const registry = new PinRegistry();
  const buses = new Map<number, SimI2cBus>();
  const pwm = new Map<number, number>();

  const i2cBus = (busNumber: number): SimI2cBus => {
    const bus = buses.get(busNumber) ?? new SimI2cBus(busNumber);
    buses.set(busNumber, bus);
    return bus;
  };

  return {
    backend: "sim",
    gpio,
    pwm,
    i2cBus,

    openInput(pin: number, inputOptions: InputOptions = {}): DigitalInput {
      registry.claim(pin);
      // A real deploy sets pull-ups in config.txt; the simulated board has them built in.
      gpio.setMode(pin, { kind: "input", pull: inputOptions.pull ?? "up" });
      const activeLow = inputOptions.activeLow ?? false;
      return debouncedInputHandle({
        pin,
        registry,
        clock,
        options: inputOptions,
        read: () => (activeLow ? invert(gpio.level(pin)) : gpio.level(pin)),
        watchEdges: (onEdge) => gpio.onChange(pin, onEdge),
        release: () => gpio.setMode(pin, { kind: "unused" }),
      });
    },

    openOutput(pin: number, outputOptions: OutputOptions = {}): DigitalOutput {
      registry.claim(pin);
      const openDrain = outputOptions.drive === "open-drain";
      const activeLow = outputOptions.drive !== "open-drain" && outputOptions.activeLow === true;
      const write = (level: Level): void => {
        if (openDrain) gpio.setMode(pin, level === 1 ? { kind: "released" } : { kind: "output", level: 0 });
        else gpio.setMode(pin, { kind: "output", level: activeLow ? invert(level) : level });
      };
      write(outputOptions.initial ?? 0);
      return outputHandle({ pin, registry, clock, write, release: () => gpio.setMode(pin, { kind: "unused" }) });
    },

    openPwm(pin: number): PwmOutput {
      registry.claim(pin);
      pwm.set(pin, 0);
      const output: PwmOutput = {
        pin,
        setDutyCycle(fraction) {
          pwm.set(pin, checkDutyCycle(fraction));
        },
        close() {
          pwm.delete(pin);
          registry.released(pin);
        },
      };
      registry.opened(pin, output);
      return output;
    },

    openI2c: (busNumber) => Promise.resolve(i2cBus(busNumber).open()),
    close: () => registry.closeAll(),
  };
}

/** Whether a hal is the simulator (and takes `SIM:` input). */
export function isSimHal(hal: Hal): hal is SimHal {
  return hal.backend === "sim" && "gpio" in hal;
}

import { existsSync } from "node:fs";
import type RpioModule from "rpio";
import { systemClock, type Clock } from "@roomguard/runtime";
import type { Board } from "../board.js";
import { HalError } from "../errors.js";
import { PWM_CHANNELS } from "../header.js";
import { openLinuxI2c } from "../i2c.js";
import { loadNative } from "../load-native.js";
import { PinRegistry } from "../pin-registry.js";
import { checkDutyCycle, debouncedInputHandle, outputHandle } from "../pin-handles.js";
import { invert } from "../level.js";
import type { DigitalInput, DigitalOutput, Hal, InputOptions, Level, OutputOptions, PwmOutput } from "../types.js";

type Rpio = typeof RpioModule;

export interface RpioHalOptions {
  /** The board, from `readBoard()`: rpio refuses to guess (it silently mocks off a Pi). */
  board: Board;
  /**
   * rpio's mock board (`raspi-3`, …): register access is simulated in memory, so tests run
   * the real library without a Pi. Default: none (real hardware).
   */
  mock?: "raspi-b+" | "raspi-2" | "raspi-3" | "raspi-zero" | "raspi-zero-w";
  /** `/dev/gpiomem` (default, no root) or `/dev/mem` (root; needed for PWM). */
  gpiomem?: boolean;
  clock?: Clock;
  devRoot?: string;
}

const PWM_PINS = Object.keys(PWM_CHANNELS).map(Number); // ascending: integer keys come in order
/** rpio's PWM clock with divider 16: 19.2 MHz / 16. */
const PWM_CLOCK_HZ = 1_200_000;

/**
 * Register access through rpio (`/dev/gpiomem`): reads and writes cost well under a
 * microsecond, which matrix scanning wants; pulls are set in hardware; PWM with `/dev/mem`.
 * Edges are found by rpio's 1 ms poll.
 */
export function createRpioHal(options: RpioHalOptions): Hal {
  const devRoot = options.devRoot ?? "/dev";
  const gpiomem = options.gpiomem ?? true;
  const clock = options.clock ?? systemClock;
  if (!options.mock) checkBoard(options.board, devRoot, gpiomem);
  const rpio = loadNative<Rpio>("rpio");
  rpio.init({ gpiomem, mapping: "gpio", mock: options.mock, close_on_exit: true });
  const registry = new PinRegistry();
  const pull = { up: rpio.PULL_UP, down: rpio.PULL_DOWN, none: rpio.PULL_OFF } as const;

  const hal: Hal = {
    backend: "rpio",
    openInput(pin: number, inputOptions: InputOptions = {}): DigitalInput {
      registry.claim(pin);
      rpio.open(pin, rpio.INPUT, pull[inputOptions.pull ?? "none"]);
      const activeLow = inputOptions.activeLow ?? false;
      return debouncedInputHandle({
        pin,
        registry,
        clock,
        options: inputOptions,
        read: () => {
          const level: Level = rpio.read(pin) ? 1 : 0;
          return activeLow ? invert(level) : level;
        },
        watchEdges: (onEdge) => {
          rpio.poll(pin, onEdge, rpio.POLL_BOTH);
          // rpio's poll is a 1 ms interval timer: it must be stopped or the process stays alive.
          return () => rpio.poll(pin, null);
        },
        release: () => rpio.close(pin, rpio.PIN_PRESERVE),
      });
    },

    openOutput(pin: number, outputOptions: OutputOptions = {}): DigitalOutput {
      registry.claim(pin);
      const openDrain = outputOptions.drive === "open-drain";
      const activeLow = outputOptions.drive !== "open-drain" && outputOptions.activeLow === true;
      const write = (level: Level): void => {
        if (openDrain) {
          if (level === 1) rpio.mode(pin, rpio.INPUT);
          else rpio.mode(pin, rpio.OUTPUT, rpio.LOW);
        } else rpio.write(pin, activeLow ? invert(level) : level);
      };
      const initial = outputOptions.initial ?? 0;
      if (openDrain) rpio.open(pin, rpio.INPUT, rpio.PULL_OFF);
      else rpio.open(pin, rpio.OUTPUT, activeLow ? invert(initial) : initial);
      write(initial);
      const release = (): void => {
        write(openDrain ? 1 : 0);
        rpio.close(pin, rpio.PIN_PRESERVE);
      };
      return outputHandle({ pin, registry, clock, write, release });
    },

    openPwm: (pin: number, pwmOptions: { frequencyHz?: number } = {}): PwmOutput => {
      if (!PWM_PINS.includes(pin))
        throw new HalError("INVALID_PIN", `expected a hardware PWM pin (BCM ${PWM_PINS.join(", ")}), got BCM ${pin}`);
      if (gpiomem) {
        throw new HalError(
          "PERMISSION_DENIED",
          "rpio drives PWM only through /dev/mem",
          "run as root with hardware.rpioGpiomem: false, or use a plain output",
        );
      }
      registry.claim(pin);
      const range = Math.max(2, Math.round(PWM_CLOCK_HZ / (pwmOptions.frequencyHz ?? 1000)));
      rpio.open(pin, rpio.PWM);
      rpio.pwmSetClockDivider(16);
      rpio.pwmSetRange(pin, range);
      rpio.pwmSetData(pin, 0);
      const output: PwmOutput = {
        pin,
        setDutyCycle(fraction) {
          rpio.pwmSetData(pin, Math.round(checkDutyCycle(fraction) * range));
        },
        close() {
          rpio.pwmSetData(pin, 0);
          rpio.close(pin, rpio.PIN_RESET);
          registry.released(pin);
        },
      };
      registry.opened(pin, output);
      return output;
    },

    openI2c: (busNumber) => openLinuxI2c(busNumber, devRoot),
    close: () => registry.closeAll(),
  };
  return hal;
}

function checkBoard(board: Board, devRoot: string, gpiomem: boolean): void {
  if (board.isPi5) {
    throw new HalError(
      "UNSUPPORTED_BOARD",
      `rpio cannot drive the ${board.model} (its GPIO is on the RP1 chip)`,
      "use hardware.backend: onoff, which works on every Pi",
    );
  }
  if (!board.isRaspberryPi) {
    throw new HalError(
      "UNSUPPORTED_BOARD",
      `rpio needs a Raspberry Pi, this is ${board.model ?? "not one (no device-tree model)"}`,
      "use hardware.backend: sim here",
    );
  }
  const device = `${devRoot}/${gpiomem ? "gpiomem" : "mem"}`;
  if (!existsSync(device))
    throw new HalError("NO_SYSFS_GPIO", `no ${device}`, "rpio needs Raspberry Pi OS's /dev/gpiomem; use hardware.backend: onoff");
}

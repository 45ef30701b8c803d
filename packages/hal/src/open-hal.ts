import type { Clock, Logger } from "@roomguard/runtime";
import { createOnoffHal } from "./backends/onoff.js";
import { createRpioHal } from "./backends/rpio.js";
import { readBoard, type Board } from "./board.js";
import { createSimHal } from "./sim/sim-hal.js";
import type { BackendName, Hal } from "./types.js";

/** The `hardware` section of the config. */
export interface HardwareConfig {
  backend: "auto" | BackendName;
  /** Where sysfs GPIO lives (onoff's chip discovery). */
  gpioSysfsRoot: string;
  /** rpio: `/dev/gpiomem` (true, no root) or `/dev/mem` (false, root, PWM). */
  rpioGpiomem: boolean;
}

export interface OpenHalOptions {
  log: Logger;
  clock?: Clock;
  /**
   * What the caller does most: `interrupts` (buttons, switches: onoff's epoll) or `scanning`
   * (a keypad matrix: rpio's register access, except on a Pi 5). Steers `auto` only.
   */
  prefer?: "interrupts" | "scanning";
  /** Default: read from `/proc/device-tree/model`. */
  board?: Board;
}

/** The backend `auto` picks, and why, in words for the log. */
export function chooseBackend(board: Board, prefer: "interrupts" | "scanning"): { backend: BackendName; reason: string } {
  if (!board.isRaspberryPi)
    return { backend: "sim", reason: `not a Raspberry Pi (${board.model ?? "no device-tree model"}): simulated hardware` };
  if (prefer === "scanning" && !board.isPi5) return { backend: "rpio", reason: `${board.model}: rpio for fast matrix scanning` };
  return { backend: "onoff", reason: `${board.model}: sysfs GPIO with edge interrupts` };
}

/**
 * Whether `hardware.backend` means simulated hardware here: `sim`, or `auto` off a Raspberry Pi
 * (where {@link chooseBackend} picks the simulator). A real backend named in the config is real
 * even off a Pi. `board` defaults to the one read from `/proc/device-tree/model`.
 */
export function isSimulatedHardware(backend: "auto" | BackendName, board: Board = readBoard()): boolean {
  return backend === "sim" || (backend === "auto" && chooseBackend(board, "interrupts").backend === "sim");
}

/** Opens the configured backend; `auto` picks real hardware on a Pi, the simulator elsewhere, and logs which. */
export function openHal(config: HardwareConfig, options: OpenHalOptions): Hal {
  const board = options.board ?? readBoard();
  let backend: BackendName;
  if (config.backend === "auto") {
    const choice = chooseBackend(board, options.prefer ?? "interrupts");
    backend = choice.backend;
    options.log.info(`hardware backend ${backend}`, { reason: choice.reason, config: "auto" });
  } else {
    backend = config.backend;
    options.log.info(`hardware backend ${backend}`, { reason: "hardware.backend in the config", board: board.model });
  }
  switch (backend) {
    case "sim":
      return createSimHal({ clock: options.clock });
    case "onoff":
      return createOnoffHal({ sysfsRoot: config.gpioSysfsRoot, clock: options.clock });
    case "rpio":
      return createRpioHal({ board, gpiomem: config.rpioGpiomem, clock: options.clock });
  }
}

import { formatMessage, MessageError, preview, type BusMessage } from "./message.js";
import type { Logger } from "@roomguard/runtime";
import type { Subscription } from "./subscription.js";
import { KEY_NAME_PATTERN, Topic } from "./topics.js";

/** Input for simulated hardware: a key press, or a pin level set from outside. */
export type SimCommand = { command: "press"; key: string; ms: number | undefined } | { command: "gpio"; pin: number; level: 0 | 1 };

/** Longest simulated press: a minute. */
const MAX_PRESS_MS = 60_000;
/** BCM GPIOs 0–27 are the ones on the 40-pin header (hal's HEADER_GPIOS): a simulated board has no others. */
const MAX_HEADER_GPIO = 27;

function isHeaderGpio(pin: number): boolean {
  return Number.isInteger(pin) && pin >= 0 && pin <= MAX_HEADER_GPIO;
}

/** `SIM: press LEFT` or `SIM: press LEFT 1500` (held 1.5 s). */
export function simPressMessage(key: string, ms?: number): string {
  if (!KEY_NAME_PATTERN.test(key)) throw new MessageError("ESUBJECT", `expected a key name without spaces, got ${preview(key)}`);
  if (ms !== undefined && !(Number.isInteger(ms) && ms > 0 && ms <= MAX_PRESS_MS)) {
    throw new MessageError("ESUBJECT", `expected a press length in whole milliseconds from 1 to ${MAX_PRESS_MS}, got ${ms}`);
  }
  return formatMessage(Topic.SIM, ms === undefined ? `press ${key}` : `press ${key} ${ms}`);
}

/** `SIM: gpio 17 0`: the outside world drives BCM 17 low. */
export function simGpioMessage(pin: number, level: 0 | 1): string {
  if (!isHeaderGpio(pin)) throw new MessageError("ESUBJECT", `expected a BCM GPIO on the header (0-${MAX_HEADER_GPIO}), got ${pin}`);
  return formatMessage(Topic.SIM, `gpio ${pin} ${level}`);
}

/** The command of a `SIM:` message. Throws {@link MessageError} naming what was expected. */
export function parseSim(message: BusMessage): SimCommand {
  const words = message.rest.split(" ");
  if (
    message.topic === Topic.SIM &&
    words[0] === "press" &&
    words[1] !== undefined &&
    KEY_NAME_PATTERN.test(words[1]) &&
    words.length <= 3
  ) {
    const ms = words[2] === undefined ? undefined : Number(words[2]);
    if (ms === undefined || (Number.isInteger(ms) && ms > 0 && ms <= MAX_PRESS_MS)) return { command: "press", key: words[1], ms };
  }
  if (
    message.topic === Topic.SIM &&
    words[0] === "gpio" &&
    words.length === 3 &&
    /^\d{1,2}$/.test(words[1] ?? "") &&
    isHeaderGpio(Number(words[1])) &&
    /^[01]$/.test(words[2] ?? "")
  ) {
    return { command: "gpio", pin: Number(words[1]), level: words[2] === "1" ? 1 : 0 };
  }
  throw new MessageError(
    "ESUBJECT",
    `expected "SIM: press <KEY> [ms]" or "SIM: gpio <bcm> <0|1>" (a header GPIO, 0-${MAX_HEADER_GPIO}), got ${preview(message.text)}`,
  );
}

export interface SimServeOptions {
  bus: { subscribe(...prefixes: string[]): Subscription<BusMessage> };
  log: Logger;
  /** Which SIM commands to receive: `SIM: ` (all) or `SIM: gpio ` (pins only). */
  prefix?: string;
  /** Acts out one command on the simulated hardware. */
  handle: (command: SimCommand) => void;
}

/**
 * Feeds `SIM:` messages to a service's simulated hardware (services on the sim backend only).
 * Malformed ones, and ones the simulated board refuses, are logged once and skipped, never fatal.
 */
export function serveSim(options: SimServeOptions): { stop(): void } {
  const subscription = options.bus.subscribe(options.prefix ?? `${Topic.SIM}: `);
  void (async () => {
    for await (const message of subscription) {
      let command: SimCommand;
      try {
        command = parseSim(message);
      } catch (error) {
        if (!(error instanceof MessageError)) throw error;
        options.log.once("warn", "sim:malformed", "ignoring malformed SIM messages", { reason: error.message });
        continue;
      }
      try {
        options.handle(command);
      } catch (error) {
        options.log.once("warn", "sim:refused", "ignoring SIM messages the simulated board refuses", {
          reason: error instanceof Error ? error.message : String(error),
        });
      }
    }
  })();
  return { stop: () => subscription.close() };
}

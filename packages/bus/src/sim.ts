import { formatMessage, MessageError, preview, type BusMessage } from "./message.js";
import type { Logger } from "@roomguard/runtime";
import type { Subscription } from "./subscription.js";
import { KEY_NAME_PATTERN, SERVICE_NAME_PATTERN, Topic } from "./topics.js";

/** Input for simulated hardware: a key press, or a pin level set from outside. */
export type SimCommand = { command: "press"; key: string; ms: number | undefined } | { command: "gpio"; pin: number; level: 0 | 1 };

/**
 * Every `SIM:` form: the input commands, and a simulated output's level asked for
 * (`SIM: read 18`) and told (`SIM: level 18 1 {"service":"alarm","purpose":"siren"}`).
 */
export type SimMessage =
  SimCommand | { command: "read"; pin: number } | { command: "level"; pin: number; level: 0 | 1; service: string; purpose: string };

/** An output pin a service drives on the simulated board, for `SIM: read`. */
export interface SimOutput {
  /** BCM number. */
  pin: number;
  /** What the pin does, in the answer: "siren", "buzzer". */
  purpose: string;
  /** The level the service drives it at now (the pin's, not the device's: an active-low output on is 0). */
  read(): 0 | 1;
}

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

/** `SIM: read 18`: who drives BCM 18 on the simulated board, and at what level? */
export function simReadMessage(pin: number): string {
  if (!isHeaderGpio(pin)) throw new MessageError("ESUBJECT", `expected a BCM GPIO on the header (0-${MAX_HEADER_GPIO}), got ${pin}`);
  return formatMessage(Topic.SIM, `read ${pin}`);
}

/** `SIM: level 18 1 {"service":"alarm","purpose":"siren"}`: the answer to `SIM: read 18`. */
export function simLevelMessage(pin: number, level: 0 | 1, owner: { service: string; purpose: string }): string {
  if (!isHeaderGpio(pin)) throw new MessageError("ESUBJECT", `expected a BCM GPIO on the header (0-${MAX_HEADER_GPIO}), got ${pin}`);
  return formatMessage(Topic.SIM, `level ${pin} ${level} ${JSON.stringify({ service: owner.service, purpose: owner.purpose })}`);
}

/** The command of a `SIM:` message. Throws {@link MessageError} naming what was expected. */
export function parseSim(message: BusMessage): SimMessage {
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
  const pin = /^\d{1,2}$/.test(words[1] ?? "") ? Number(words[1]) : -1;
  if (message.topic === Topic.SIM && words[0] === "read" && words.length === 2 && isHeaderGpio(pin)) return { command: "read", pin };
  const level = message.topic === Topic.SIM ? /^level (\d{1,2}) ([01]) (\{.*\})$/.exec(message.rest) : null;
  if (level && isHeaderGpio(Number(level[1]))) {
    const owner = parseOwner(level[3] ?? "");
    if (owner) return { command: "level", pin: Number(level[1]), level: level[2] === "1" ? 1 : 0, ...owner };
  }
  throw new MessageError(
    "ESUBJECT",
    `expected "SIM: press <KEY> [ms]", "SIM: gpio <bcm> <0|1>", "SIM: read <bcm>" or "SIM: level <bcm> <0|1> {"service":…,"purpose":…}" (a header GPIO, 0-${MAX_HEADER_GPIO}), got ${preview(message.text)}`,
  );
}

/** `{"service":"alarm","purpose":"siren"}`, or null. */
function parseOwner(json: string): { service: string; purpose: string } | null {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return null;
  }
  if (typeof value !== "object" || value === null) return null;
  const { service, purpose } = value as { service?: unknown; purpose?: unknown };
  if (typeof service !== "string" || !SERVICE_NAME_PATTERN.test(service) || typeof purpose !== "string") return null;
  return { service, purpose };
}

export type SimServeOptions = {
  bus: { subscribe(...prefixes: string[]): Subscription<BusMessage>; publish(text: string): Promise<void> };
  log: Logger;
  /** Which SIM commands to receive: `SIM: ` (all) or `SIM: gpio ` (pins only). `SIM: read ` is added for `outputs`. */
  prefix?: string;
  /** Acts out one input command on the simulated hardware. */
  handle?: (command: SimCommand) => void;
} & (
  | { outputs?: undefined; service?: string }
  | {
      /** The output pins the service drives: `SIM: read <bcm>` of one of them is answered with its level. */
      outputs: readonly SimOutput[];
      /** The service's name, in the answer. */
      service: string;
    }
);

/**
 * Feeds `SIM:` messages to a service's simulated hardware (services on the sim backend only),
 * and answers `SIM: read <bcm>` for the `outputs` it drives with `SIM: level <bcm> <0|1> {service,
 * purpose}`. A read of another pin, and every `SIM: level`, is someone else's: ignored silently.
 * Malformed messages, and ones the simulated board refuses, are logged once and skipped, never fatal.
 */
export function serveSim(options: SimServeOptions): { stop(): void } {
  const prefix = options.prefix ?? `${Topic.SIM}: `;
  const reads = `${Topic.SIM}: read `;
  const subscription = options.bus.subscribe(...(options.outputs && !reads.startsWith(prefix) ? [prefix, reads] : [prefix]));
  const answer = (pin: number): void => {
    const output = options.outputs?.find((candidate) => candidate.pin === pin);
    if (!output || options.service === undefined) return;
    const text = simLevelMessage(pin, output.read(), { service: options.service, purpose: output.purpose });
    options.bus.publish(text).catch((error: unknown) => options.log.once("warn", "sim:answer", "cannot answer SIM: read", { error }));
  };
  void (async () => {
    for await (const message of subscription) {
      let command: SimMessage;
      try {
        command = parseSim(message);
      } catch (error) {
        if (!(error instanceof MessageError)) throw error;
        options.log.once("warn", "sim:malformed", "ignoring malformed SIM messages", { reason: error.message });
        continue;
      }
      if (command.command === "read") {
        answer(command.pin);
        continue;
      }
      if (command.command === "level") continue;
      try {
        options.handle?.(command);
      } catch (error) {
        options.log.once("warn", "sim:refused", "ignoring SIM messages the simulated board refuses", {
          reason: error instanceof Error ? error.message : String(error),
        });
      }
    }
  })();
  return { stop: () => subscription.close() };
}

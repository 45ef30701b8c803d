import { HalError, type DigitalInput, type Hal } from "@roomguard/hal";
import type { Logger } from "@roomguard/runtime";
import type { KeyEvents } from "./key-events.js";

export interface ButtonsOptions {
  hal: Hal;
  /** Key name → BCM pin. */
  buttons: Readonly<Record<string, number>>;
  debounceMs: number;
  events: KeyEvents;
  log: Logger;
}

/**
 * One GPIO per key, wired to ground with a pull-up: active-low, debounced by the hal, watched
 * by interrupt. A pin that cannot be opened is reported and the other keys keep working.
 */
export function watchButtons(options: ButtonsOptions): { faults: Record<string, string>; stop(): void } {
  const inputs: DigitalInput[] = [];
  const faults: Record<string, string> = {};
  for (const [name, pin] of Object.entries(options.buttons)) {
    let input: DigitalInput;
    try {
      input = options.hal.openInput(pin, { activeLow: true, pull: "up", debounceMs: options.debounceMs });
    } catch (error) {
      if (!(error instanceof HalError)) throw error;
      faults[name] = error.message;
      options.log.error(`key ${name} is not available`, { pin, code: error.code, reason: error.message });
      continue;
    }
    inputs.push(input);
    input.watch((level) => (level === 1 ? options.events.pressed(name) : options.events.released(name)));
  }
  if (inputs.length === 0) throw new HalError("IO_ERROR", `no key could be opened: ${Object.values(faults).join("; ")}`);
  return {
    faults,
    stop: () => {
      for (const input of inputs) input.close();
    },
  };
}

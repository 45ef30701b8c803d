import type { Clock } from "@roomguard/runtime";
import { Debouncer } from "./debounce.js";
import { HalError } from "./errors.js";
import type { PinRegistry } from "./pin-registry.js";
import { invert } from "./level.js";
import { sleep } from "./sleep.js";
import type { DigitalInput, DigitalOutput, InputOptions, Level } from "./types.js";

/** What a backend does for one pin; the handles add what every backend shares. */
interface PinAccess {
  pin: number;
  registry: PinRegistry;
  clock: Clock;
  /** Gives the pin back to the backend (unexport, reset the mode). */
  release: () => void;
}

/** An output from a backend's `write`: pulse, close-once and the registry's bookkeeping. */
export function outputHandle(access: PinAccess & { write: (level: Level) => void }): DigitalOutput {
  const { pin, write, clock } = access;
  let closed = false;
  const output: DigitalOutput = {
    pin,
    write,
    async pulse(ms, level = 1) {
      write(level);
      await sleep(clock, ms);
      write(invert(level));
    },
    close() {
      if (closed) return;
      closed = true;
      access.release();
      access.registry.released(pin);
    },
  };
  access.registry.opened(pin, output);
  return output;
}

/**
 * An input for backends that report raw edges (sim, rpio): debounced here by the one rule
 * every backend shares. `watchEdges` starts edge reports and returns how to stop them; it
 * runs while somebody watches.
 */
export function debouncedInputHandle(
  access: PinAccess & { options: InputOptions; read: () => Level; watchEdges: (onEdge: () => void) => () => void },
): DigitalInput {
  const { pin, clock, options, read } = access;
  const listeners = new Set<(level: Level) => void>();
  let watching: { debouncer: Debouncer; stopEdges: () => void } | undefined;
  const stopWatching = (): void => {
    watching?.stopEdges();
    watching?.debouncer.stop();
    watching = undefined;
  };
  let closed = false;
  const input: DigitalInput = {
    pin,
    read,
    watch(listener) {
      listeners.add(listener);
      if (!watching) {
        const debouncer = new Debouncer(clock, options.debounceMs ?? 0, options.edge ?? "both", read, (level) => {
          for (const each of listeners) each(level);
        });
        watching = { debouncer, stopEdges: access.watchEdges(() => debouncer.edgeSeen()) };
      }
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0) stopWatching();
      };
    },
    close() {
      if (closed) return;
      closed = true;
      listeners.clear();
      stopWatching();
      access.release();
      access.registry.released(pin);
    },
  };
  access.registry.opened(pin, input);
  return input;
}

/** Checks a PWM duty cycle, 0 to 1. */
export function checkDutyCycle(fraction: number): number {
  if (!(fraction >= 0 && fraction <= 1)) throw new HalError("IO_ERROR", `expected a duty cycle from 0 to 1, got ${fraction}`);
  return fraction;
}

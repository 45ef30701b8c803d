import type { RoomguardConfig } from "@roomguard/config";
import type { Hal } from "@roomguard/hal";
import { systemClock, type Clock, type Logger } from "@roomguard/runtime";
import { watchButtons } from "./buttons.js";
import { KeyReporter } from "./key-reporter.js";
import { MatrixScanner } from "./matrix.js";

export interface KeypadDeps {
  keypad: RoomguardConfig["keypad"];
  hal: Hal;
  /** Where `KEY:` messages go (the bus client's publish). */
  publish: (text: string) => Promise<void>;
  log: Logger;
  clock?: Clock;
}

export interface KeypadService {
  start(): void;
  stop(): void;
  /** What `CONTROL: keypad STATUS` answers. */
  status(): Record<string, unknown>;
}

/** The keypad: buttons or a matrix → debounced presses → `KEY:` messages. */
export function createKeypadService(deps: KeypadDeps): KeypadService {
  const { keypad, hal, log } = deps;
  const clock = deps.clock ?? systemClock;
  const reporter = new KeyReporter({
    clock,
    holdMs: keypad.holdMs,
    repeatMs: keypad.repeatMs,
    publish: (text) => {
      log.debug("key", { message: text });
      deps.publish(text).catch((error: unknown) => log.warn("cannot publish a key", { message: text, error }));
    },
  });
  let buttons: ReturnType<typeof watchButtons> | undefined;
  let matrix: MatrixScanner | undefined;

  return {
    start() {
      if (keypad.mode === "buttons") {
        buttons = watchButtons({ hal, buttons: keypad.buttons, debounceMs: keypad.debounceMs, events: reporter, log });
        log.info("keypad ready", { mode: "buttons", backend: hal.backend, keys: keypad.buttons });
      } else {
        const { rows, columns, keys, scanIntervalMs } = keypad.matrix;
        matrix = new MatrixScanner({
          hal,
          rows,
          columns,
          keys,
          scanIntervalMs,
          debounceMs: keypad.debounceMs,
          clock,
          events: reporter,
          log,
        });
        matrix.start();
        log.info("keypad ready", { mode: "matrix", backend: hal.backend, rows, columns, scanIntervalMs });
      }
    },
    stop() {
      reporter.stop();
      buttons?.stop();
      matrix?.stop();
    },
    status: () => ({
      mode: keypad.mode,
      backend: hal.backend,
      presses: reporter.presses,
      last_key: reporter.lastKey,
      held: reporter.down,
      ...(buttons && Object.keys(buttons.faults).length > 0 ? { faults: buttons.faults } : {}),
      ...(matrix ? { scans: matrix.scans, ghosting_refused: matrix.refusedGhosting } : {}),
    }),
  };
}

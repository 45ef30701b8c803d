import { keyMessage } from "@roomguard/bus";
import type { RoomguardConfig } from "@roomguard/config";
import type { Hal } from "@roomguard/hal";
import { systemClock, type Clock, type Logger } from "@roomguard/runtime";
import { watchButtons } from "./buttons.js";
import { CodeEntry, type AlarmRequest } from "./code-entry.js";
import { isCodeEntryActive, isDigitKey } from "./code-entry-keys.js";
import type { KeyPress } from "./key-events.js";
import { KeyReporter } from "./key-reporter.js";
import { MatrixScanner } from "./matrix.js";
import { UsbKeypad } from "./usb-keypad.js";

export interface KeypadDeps {
  keypad: RoomguardConfig["keypad"];
  hal: Hal;
  /** Where `KEY:` messages go (the bus client's publish). */
  publish: (text: string) => Promise<void>;
  /**
   * The alarm's request socket, for the codes typed on the keypad (keypad.codeEntry). Needed when
   * code entry is on and the keypad has digit keys; the service refuses to start without it then.
   */
  alarm?: AlarmRequest;
  log: Logger;
  clock?: Clock;
  /** Called when `problem()` may have changed (the heartbeat's problemMayHaveChanged). */
  onProblemChange?: () => void;
}

export interface KeypadService {
  start(): void;
  stop(): void;
  /** What `CONTROL: keypad STATUS` answers. */
  status(): Record<string, unknown>;
  /** What is wrong, for the heartbeat's `problem` (usb mode: no device, or not taken alone). */
  problem(): string | undefined;
}

/**
 * The keypad: buttons, a matrix, both at once, or a USB keypad → presses → `KEY:` messages; with code
 * entry, digits go to the alarm's request socket with the command key instead (code-entry.ts).
 */
export function createKeypadService(deps: KeypadDeps): KeypadService {
  const { keypad, hal, log } = deps;
  const clock = deps.clock ?? systemClock;
  let lastKey: string | null = null;
  const publish = (key: KeyPress): void => {
    const text = keyMessage(key.name, { hold: key.hold });
    lastKey = key.name;
    log.debug("key", { message: text });
    deps.publish(text).catch((error: unknown) => log.warn("cannot publish a key", { message: text, error }));
  };
  const codeEntry = isCodeEntryActive(keypad)
    ? new CodeEntry({ config: keypad.codeEntry, clock, send: alarmOf(deps), publish, log: log.child("code") })
    : undefined;
  const reporter = new KeyReporter({
    clock,
    holdMs: keypad.holdMs,
    repeatMs: keypad.repeatMs,
    report: (key) => (codeEntry ? codeEntry.key(key) : publish(key)),
  });
  let buttons: ReturnType<typeof watchButtons> | undefined;
  let matrix: MatrixScanner | undefined;
  let usb: UsbKeypad | undefined;

  const startButtons = (): void => {
    buttons = watchButtons({ hal, buttons: keypad.buttons, debounceMs: keypad.debounceMs, events: reporter, log });
  };
  const startMatrix = (): void => {
    const { rows, columns, keys, scanIntervalMs } = keypad.matrix;
    matrix = new MatrixScanner({ hal, rows, columns, keys, scanIntervalMs, debounceMs: keypad.debounceMs, clock, events: reporter, log });
    matrix.start();
  };

  return {
    start() {
      const { rows, columns, scanIntervalMs } = keypad.matrix;
      const ready = { mode: keypad.mode, backend: hal.backend, codeEntry: codeEntry !== undefined };
      switch (keypad.mode) {
        case "buttons":
          startButtons();
          log.info("keypad ready", { ...ready, keys: keypad.buttons });
          break;
        case "matrix":
          startMatrix();
          log.info("keypad ready", { ...ready, rows, columns, scanIntervalMs });
          break;
        case "both":
          // Both report to the one reporter: hold, repeat and code entry treat their keys alike.
          startButtons();
          try {
            startMatrix();
          } catch (error) {
            buttons?.stop();
            throw error;
          }
          log.info("keypad ready", { ...ready, keys: keypad.buttons, rows, columns, scanIntervalMs });
          break;
        case "usb":
          // The device may come later: its absence is a problem in the heartbeat, not a failure to start.
          usb = new UsbKeypad({
            usb: keypad.usb,
            events: reporter,
            clock,
            log: log.child("usb"),
            ...(deps.onProblemChange ? { onProblemChange: deps.onProblemChange } : {}),
          });
          usb.start();
          log.info("keypad ready", { ...ready, device: keypad.usb.device, numLock: keypad.usb.numLock, grab: keypad.usb.grab });
          break;
      }
    },
    stop() {
      codeEntry?.stop();
      reporter.stop();
      buttons?.stop();
      matrix?.stop();
      // Closing the device ends the grab; the read in flight is non-blocking and ends at once.
      usb?.stop().catch((error: unknown) => log.warn("cannot close the USB keypad", { error }));
    },
    problem: () => usb?.problem(),
    status: () => ({
      mode: keypad.mode,
      backend: hal.backend,
      presses: reporter.presses,
      // The last key published: a digit typed into a code is not (nor shown held).
      last_key: lastKey,
      held: codeEntry ? reporter.down.filter((name) => !isDigitKey(name)) : reporter.down,
      ...(codeEntry ? { code_entry: { digits: codeEntry.pending } } : {}),
      ...(buttons && Object.keys(buttons.faults).length > 0 ? { faults: buttons.faults } : {}),
      ...(matrix ? { scans: matrix.scans, ghosting_refused: matrix.refusedGhosting } : {}),
      ...(usb ? { usb: usb.status() } : {}),
    }),
  };
}

function alarmOf(deps: KeypadDeps): AlarmRequest {
  if (!deps.alarm) throw new Error("keypad.codeEntry is on and the keypad has digit keys, but no way to reach the alarm was given");
  return deps.alarm;
}

import type { SimCommand } from "@roomguard/bus";
import { keypadKeyNames, type RoomguardConfig } from "@roomguard/config";
import type { SimHal } from "@roomguard/hal/sim";
import type { Clock, Logger } from "@roomguard/runtime";
import { isCodeEntryActive, isDigitKey } from "./code-entry-keys.js";

/** How long `SIM: press <KEY>` holds the key when no length is given: well past any debounce. */
export const DEFAULT_PRESS_MS = 100;

/**
 * Acts out `SIM:` commands on the simulated board as a finger would: a button press grounds
 * the key's pin, a matrix press closes the switch between its row and column (in both mode, a
 * name is looked for among the buttons, then the matrix), and the keypad
 * code sees it exactly as it sees real hardware, debounce included.
 */
export function createSimulator(sim: SimHal, keypad: RoomguardConfig["keypad"], clock: Clock, log: Logger): (command: SimCommand) => void {
  const cellOf = (key: string): { row: number; column: number } | undefined => {
    for (const [r, names] of keypad.matrix.keys.entries()) {
      const c = names.indexOf(key);
      const row = keypad.matrix.rows[r];
      const column = keypad.matrix.columns[c];
      if (c >= 0 && row !== undefined && column !== undefined) return { row, column };
    }
    return undefined;
  };

  // Digits typed into a code are named in no log line, simulated or not.
  const hidden = isCodeEntryActive(keypad);
  return (command) => {
    if (command.command === "gpio") {
      sim.gpio.drive(command.pin, command.level);
      return;
    }
    if (keypad.mode === "usb")
      return log.once(
        "warn",
        "sim:usb",
        "keypad.mode usb reads its input device, not GPIO: SIM: press does not reach it (write input events to the device, as the keypad's tests do)",
      );
    const ms = command.ms ?? DEFAULT_PRESS_MS;
    if (ms <= keypad.debounceMs) {
      const key = hidden && isDigitKey(command.key) ? "a digit" : command.key;
      // Once per key: a flood of short presses must not become a flood of log lines.
      log.once(
        "warn",
        `sim:short:${key}`,
        `a simulated press inside keypad.debounceMs (${keypad.debounceMs} ms) is ignored, as a real one would be`,
        { key, ms },
      );
    }
    // Buttons first, then the matrix (both mode refuses a name on both). Own keys only: the
    // bus is untrusted, and `SIM: press constructor` must not find Object's.
    const isButton = keypad.mode !== "matrix" && Object.hasOwn(keypad.buttons, command.key);
    const pin = isButton ? keypad.buttons[command.key] : undefined;
    if (pin !== undefined) {
      sim.gpio.drive(pin, 0);
      clock.setTimeout(() => sim.gpio.release(pin), ms);
      return;
    }
    const cell = keypad.mode === "buttons" ? undefined : cellOf(command.key);
    if (!cell)
      return log.once("warn", `sim:unknown:${command.key}`, `SIM: press ${command.key}: no such key`, { known: keypadKeyNames(keypad) });
    sim.gpio.connect(cell.row, cell.column);
    clock.setTimeout(() => sim.gpio.disconnect(cell.row, cell.column), ms);
  };
}

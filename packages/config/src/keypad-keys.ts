import type { RoomguardConfig } from "./schema.js";

/**
 * The key names of the configured keypad (`keypad.buttons`, `keypad.matrix.keys` in matrix mode,
 * the buttons' then the matrix's in both), as `KEY:` and `SIM: press` name them.
 */
export function keypadKeyNames(keypad: RoomguardConfig["keypad"]): string[] {
  const buttons = keypad.mode === "matrix" ? [] : Object.keys(keypad.buttons);
  const matrix = keypad.mode === "buttons" ? [] : keypad.matrix.keys.flat();
  return [...buttons, ...matrix];
}

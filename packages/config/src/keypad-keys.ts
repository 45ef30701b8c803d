import type { RoomguardConfig } from "./schema.js";

/** The key names of the configured keypad (`keypad.buttons`, or `keypad.matrix.keys` in matrix mode), as `KEY:` and `SIM: press` name them. */
export function keypadKeyNames(keypad: RoomguardConfig["keypad"]): string[] {
  return keypad.mode === "buttons" ? Object.keys(keypad.buttons) : keypad.matrix.keys.flat();
}

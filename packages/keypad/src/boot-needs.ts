import type { RoomguardConfig } from "@roomguard/config";
import type { BootNeeds } from "@roomguard/hal";

/**
 * The pull-ups the keypad's pins need at boot (sysfs cannot set them): every button, which
 * closes to ground; in a matrix, the columns it reads (the rows are driven).
 */
export function keypadBootNeeds(keypad: RoomguardConfig["keypad"]): BootNeeds {
  return { pullUp: keypad.mode === "buttons" ? Object.values(keypad.buttons) : keypad.matrix.columns };
}

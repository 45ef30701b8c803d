import { readFileSync } from "node:fs";

/** Where the kernel names the board. */
export const DEVICE_TREE_MODEL = "/proc/device-tree/model";

export interface Board {
  /** The model string, e.g. `Raspberry Pi 4 Model B Rev 1.4`, or null when there is none. */
  model: string | null;
  isRaspberryPi: boolean;
  /** The Pi 5 moved GPIO to the RP1 chip, which rpio cannot drive. */
  isPi5: boolean;
}

/** Reads the board model from the device tree (missing on PCs: not a Pi). */
export function readBoard(modelPath = DEVICE_TREE_MODEL): Board {
  let model: string | null = null;
  try {
    model = readFileSync(modelPath, "latin1").replace(/\0+$/, "").trim();
  } catch {
    // No device tree: a PC or a laptop.
  }
  const isRaspberryPi = model !== null && model.startsWith("Raspberry Pi");
  return { model, isRaspberryPi, isPi5: isRaspberryPi && /^Raspberry Pi (5|500|Compute Module 5)/.test(model ?? "") };
}

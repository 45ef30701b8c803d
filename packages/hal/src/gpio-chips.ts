import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { HalError } from "./errors.js";

/** Labels of the chip behind the 40-pin header: Pi 1–3 and Zero, Pi 4, Pi 5. */
export const HEADER_CHIP_LABELS = ["pinctrl-bcm2835", "pinctrl-bcm2711", "pinctrl-rp1"] as const;

export interface GpioChip {
  /** Directory name, e.g. `gpiochip512`. */
  name: string;
  /** Sysfs number of its first line. */
  base: number;
  ngpio: number;
  label: string;
}

/** Reads every `gpiochip*` under a sysfs GPIO root. */
export function listGpioChips(sysfsRoot: string): GpioChip[] {
  if (!existsSync(join(sysfsRoot, "export"))) {
    throw new HalError(
      "NO_SYSFS_GPIO",
      `no sysfs GPIO at ${sysfsRoot}`,
      "this kernel was built without CONFIG_GPIO_SYSFS; use hardware.backend: rpio (Pi 1-4) or sim",
    );
  }
  return readdirSync(sysfsRoot)
    .filter((name) => name.startsWith("gpiochip"))
    .map((name) => {
      const read = (file: string): string => readFileSync(join(sysfsRoot, name, file), "utf8").trim();
      return { name, base: Number(read("base")), ngpio: Number(read("ngpio")), label: read("label") };
    })
    .sort((a, b) => a.base - b.base);
}

/**
 * The chip of the header GPIOs, found by label: kernels since 6.6 number sysfs GPIOs from a
 * base (512 on a Pi 4, 571 on a Pi 5) and the chip's position moved between versions, so
 * neither a fixed number nor a fixed chip name is right.
 */
export function findHeaderChip(sysfsRoot: string): GpioChip {
  const chips = listGpioChips(sysfsRoot);
  const chip = chips.find((candidate) => (HEADER_CHIP_LABELS as readonly string[]).includes(candidate.label));
  if (!chip) {
    const found = chips.map((candidate) => `${candidate.name} "${candidate.label}"`).join(", ") || "none";
    throw new HalError(
      "NO_GPIO_CHIP",
      `no Raspberry Pi GPIO chip under ${sysfsRoot} (expected a label ${HEADER_CHIP_LABELS.join(" or ")}; found ${found})`,
      "is this a Raspberry Pi? elsewhere use hardware.backend: sim",
    );
  }
  return chip;
}

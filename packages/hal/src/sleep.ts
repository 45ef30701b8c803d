import type { Clock } from "@roomguard/runtime";
import type { Level } from "./types.js";

/** Waits `ms` on the given clock (a manual clock in tests). */
export function sleep(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => clock.setTimeout(resolve, ms));
}

/** The other level. */
export function invert(level: Level): Level {
  return level === 1 ? 0 : 1;
}

import type { Clock } from "@roomguard/runtime";

/** Waits `ms` on the given clock (a manual clock in tests). */
export function sleep(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => clock.setTimeout(resolve, ms));
}

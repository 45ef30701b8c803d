import { backoffDelay } from "@roomguard/runtime";
import type { AlarmConfig, AlarmState } from "./types.js";

/**
 * Whether code entry is locked at `now` (epoch ms). While it is, the service must not even check
 * a code: a locked keypad that still verified codes would let a patient guesser go on.
 */
export function isLockedOut(state: AlarmState, now: number): boolean {
  return state.lockout.until !== null && now < state.lockout.until;
}

/**
 * How long code entry locks after `failures` wrong codes in a row, in ms; 0 below the threshold.
 * The first lock at `lockout.attempts` lasts `baseS`, each further failure doubles it, up to `maxS`.
 */
export function lockoutMs(failures: number, config: AlarmConfig): number {
  const { attempts, baseS, maxS } = config.lockout;
  if (failures < attempts) return 0;
  // The lock at `attempts` is backoffDelay's first failure; it caps a long run of them at maxS.
  return backoffDelay(failures - attempts + 1, { first: baseS, max: maxS }) * 1000;
}

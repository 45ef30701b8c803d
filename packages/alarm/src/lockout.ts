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
  // 2 ** a big exponent is Infinity, which Math.min caps like any other long lock.
  return Math.min(maxS, baseS * 2 ** (failures - attempts)) * 1000;
}

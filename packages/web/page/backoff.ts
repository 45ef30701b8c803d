/** The reconnect schedule: 1 s doubling to 30 s, each delay jittered so pages do not return in step. */

export const BACKOFF_FIRST_MS = 1000;
export const BACKOFF_MAX_MS = 30_000;

/**
 * The wait before reconnect attempt `attempt` (0 for the first after a drop): 1 s × 2^attempt,
 * capped at 30 s, times a jitter factor in [0.8, 1.2), then capped again. `random` returns [0, 1).
 */
export function backoffDelayMs(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** Math.max(0, Math.min(attempt, 16)));
  return Math.round(Math.min(BACKOFF_MAX_MS, base * (0.8 + 0.4 * random())));
}

/**
 * How long to wait before trying again after failures in a row: `first` after the first,
 * multiplied by `factor` (default 2) after each further one, never more than `max`. The unit is
 * the caller's (seconds or milliseconds): the delay comes back in the same unit.
 */
export interface Backoff {
  first: number;
  max: number;
  /** Default 2: doubling. */
  factor?: number;
}

/**
 * The delay before the next try after `failuresInRow` failures in a row (1 for the first
 * failure), in the unit of `backoff`. Fewer than one failure counts as one.
 */
export function backoffDelay(failuresInRow: number, backoff: Backoff): number {
  const steps = Math.max(0, Math.floor(failuresInRow) - 1);
  // Math.min with Infinity is max: a long crash loop cannot overflow into NaN.
  return Math.min(backoff.max, backoff.first * (backoff.factor ?? 2) ** steps);
}

import type { AlarmState } from "./types.js";

/** One beat of the buzzer, repeated: on for `onMs`, then off for `offMs`. */
export interface BuzzerPattern {
  onMs: number;
  offMs: number;
}

/**
 * The patterns, different for leaving and for coming in so that a person knows which delay runs
 * without looking, and faster in the last seconds of each.
 */
export const BUZZER_PATTERNS = {
  /** Exit delay: a short beep every second. */
  exit: { onMs: 100, offMs: 900 },
  /** Last seconds of the exit delay: twice as fast. */
  exitEnding: { onMs: 100, offMs: 400 },
  /** Entry delay: more urgent, half on half off. */
  entry: { onMs: 250, offMs: 250 },
  /** Last seconds of the entry delay. */
  entryEnding: { onMs: 100, offMs: 100 },
} as const satisfies Record<string, BuzzerPattern>;

/** The last this many ms of a delay use its faster pattern. */
export const BUZZER_ENDING_MS = 10_000;

/**
 * What the buzzer does at `now` (epoch ms): a pattern during the exit delay (`arming`) and the
 * entry delay (`pending`), null (silent) otherwise. A delay already past its end (the tick is
 * late) keeps the fast pattern rather than going silent.
 */
export function buzzerPattern(state: AlarmState, now: number): BuzzerPattern | null {
  if (state.endsAt === null) return null;
  const ending = state.endsAt - now <= BUZZER_ENDING_MS;
  if (state.state === "arming") return ending ? BUZZER_PATTERNS.exitEnding : BUZZER_PATTERNS.exit;
  if (state.state === "pending") return ending ? BUZZER_PATTERNS.entryEnding : BUZZER_PATTERNS.entry;
  return null;
}

/**
 * When `buzzerPattern` will next change without an input (epoch ms), so the service can switch to
 * the fast pattern without polling: the start of the delay's last seconds, or null when the pattern
 * only changes with the state (at its deadline, a tick, which the service handles anyway).
 */
export function nextBuzzerChange(state: AlarmState, now: number): number | null {
  if ((state.state !== "arming" && state.state !== "pending") || state.endsAt === null) return null;
  const fastAt = state.endsAt - BUZZER_ENDING_MS;
  return now < fastAt ? fastAt : null;
}

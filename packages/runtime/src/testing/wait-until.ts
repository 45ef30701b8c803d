import { setTimeout as sleep } from "node:timers/promises";

export interface WaitUntilOptions<T> {
  /** What is awaited, for the timeout's message: "the journal to hold KEY: 1". */
  what: string;
  /** Default 5000. */
  timeoutMs?: number;
  /** Pause between looks, ms; default 20. */
  intervalMs?: number;
  /** When the value is the one awaited; default: when it is truthy. */
  until?: (value: T) => boolean;
}

/** What waitUntil returns without `until`: the value, known to be truthy. */
export type Truthy<T> = Exclude<T, undefined | null | false | 0 | "">;

/**
 * Looks (`look()`) until the value is the one awaited and returns it; for what a test cannot
 * be told about and must watch for (a file's content, another process's state). A look that
 * throws counts as not yet, so `look` may be an assertion or a connection attempt. After
 * `timeoutMs` it rejects with an error naming `what` and the last value (or error) seen.
 */
export function waitUntil<T>(look: () => T | Promise<T>, options: WaitUntilOptions<T> & { until: (value: T) => boolean }): Promise<T>;
export function waitUntil<T>(look: () => T | Promise<T>, options: Omit<WaitUntilOptions<T>, "until">): Promise<Truthy<T>>;
export async function waitUntil<T>(look: () => T | Promise<T>, options: WaitUntilOptions<T>): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 5000;
  const done = options.until ?? ((value: T) => Boolean(value));
  const end = Date.now() + timeoutMs;
  let last: { value: T } | { error: unknown } | undefined;
  for (;;) {
    try {
      const value = await look();
      if (done(value)) return value;
      last = { value };
    } catch (error) {
      last = { error };
    }
    if (Date.now() >= end) break;
    await sleep(options.intervalMs ?? 20);
  }
  const seen = last === undefined ? "nothing" : "error" in last ? `an error: ${describe(last.error)}` : describe(last.value);
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${options.what}; last seen: ${seen}`, {
    cause: last !== undefined && "error" in last ? last.error : undefined,
  });
}

/** A value in a line of an error message: errors by message, the rest as JSON, cut short. */
function describe(value: unknown): string {
  let text: string;
  if (value instanceof Error) text = value.message;
  else {
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      text = String(value);
    }
  }
  return text.length > 500 ? `${text.slice(0, 500)}…` : text;
}

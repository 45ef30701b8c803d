import type { AlarmEvent } from "./types.js";

/**
 * An event as `ALARM: event {…}` carries it and the `history` request answers it: the event's
 * fields, `kind` and `at` first, with its times (`at`, `until`) as ISO: the same bytes whichever
 * asks. A time that is not epoch ms is left as it came.
 */
export function publicEvent(event: AlarmEvent): Record<string, unknown> {
  const iso = (ms: unknown): unknown => (typeof ms === "number" && Number.isFinite(ms) ? new Date(ms).toISOString() : ms);
  const { kind, at, ...rest } = event;
  return { kind, at: iso(at), ...rest, ...(event.until === undefined ? {} : { until: iso(event.until) }) };
}

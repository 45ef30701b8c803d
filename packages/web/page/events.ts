/** The history list's pure part: the audit trail and the live events merged, newest first. */
import type { AlarmEventView } from "./protocol.js";

function keyOf(event: AlarmEventView): string {
  return JSON.stringify([
    event.at,
    event.kind,
    event.user ?? "",
    event.source ?? "",
    event.zone ?? "",
    event.zones ?? [],
    event.mode ?? "",
  ]);
}

/**
 * `audit` (as the trail answered, newest first) and `live` (the snapshot's and `event`
 * messages, oldest first) as one list, newest first, each event once, at most `limit`.
 * Events whose `at` cannot be read sort last.
 */
export function mergeEvents(audit: readonly AlarmEventView[], live: readonly AlarmEventView[], limit = 200): AlarmEventView[] {
  const seen = new Set<string>();
  const all: AlarmEventView[] = [];
  for (const event of [...live, ...audit]) {
    const key = keyOf(event);
    if (seen.has(key)) continue;
    seen.add(key);
    all.push(event);
  }
  const time = (event: AlarmEventView): number => {
    const ms = Date.parse(event.at);
    return Number.isNaN(ms) ? -Infinity : ms;
  };
  // A stable sort on time, newest first; live events went in first, so among equal times they lead.
  return all
    .map((event, index) => ({ event, index, at: time(event) }))
    .sort((a, b) => b.at - a.at || b.index - a.index)
    .slice(0, limit)
    .map(({ event }) => event);
}

/** What an event says beyond its kind, user, source and zone: `mode away`, `3 attempts`, the reason. */
export function eventDetails(event: AlarmEventView): string[] {
  const details: string[] = [];
  if (event.mode !== undefined) details.push(`mode ${event.mode}`);
  if (event.zones !== undefined && event.zones.length > 0) details.push(`zones ${event.zones.join(", ")}`);
  if (event.attempts !== undefined) details.push(`${event.attempts} ${event.attempts === 1 ? "attempt" : "attempts"}`);
  if (event.reason !== undefined) details.push(event.reason);
  return details;
}

import type { AlarmEventView, AlarmSection, ArmMode, MusicSection } from "../page/protocol.js";

/**
 * The bus's payloads, checked field by field before a page sees them: anyone on the bus can
 * publish `ALARM:` or `MUSIC:`, so what is passed on has the documented shape, short strings and
 * short lists, and nothing else.
 */

const ALARM_STATES = new Set(["disarmed", "arming", "armed_away", "armed_home", "armed_night", "pending", "triggered"]);
const MODES = new Set(["away", "home", "night"]);
/** Longest text passed on: names, reasons, titles. */
const MAX_TEXT = 200;
/** Most entries of a list or map passed on. */
const MAX_ITEMS = 256;

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function text(value: unknown): string | undefined {
  return typeof value === "string" ? value.slice(0, MAX_TEXT) : undefined;
}

function textOrNull(value: unknown): string | null {
  return text(value) ?? null;
}

function number(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

function names(value: unknown): string[] {
  return Array.isArray(value)
    ? value.slice(0, MAX_ITEMS).flatMap((item) => (typeof item === "string" ? [item.slice(0, MAX_TEXT)] : []))
    : [];
}

function troubles(value: unknown): Record<string, string> {
  if (!isObject(value)) return {};
  return Object.fromEntries(
    Object.entries(value)
      .slice(0, MAX_ITEMS)
      .flatMap(([zone, why]) => (typeof why === "string" ? [[zone.slice(0, MAX_TEXT), why.slice(0, MAX_TEXT)]] : [])),
  );
}

/** `ALARM: <state> {…}` as the page's alarm section; null for another subject or shape. */
export function alarmSectionOf(state: string, payload: unknown): AlarmSection | null {
  if (!ALARM_STATES.has(state) || !isObject(payload)) return null;
  const mode = typeof payload.mode === "string" && MODES.has(payload.mode) ? (payload.mode as ArmMode) : null;
  const nextState = typeof payload.next_state === "string" && ALARM_STATES.has(payload.next_state) ? payload.next_state : null;
  return {
    state,
    mode,
    next_state: nextState,
    delay_s: number(payload.delay_s) ?? null,
    ends_at: textOrNull(payload.ends_at),
    changed_by: text(payload.changed_by) ?? "",
    open_zones: names(payload.open_zones),
    bypassed: names(payload.bypassed),
    shut_down: names(payload.shut_down),
    troubles: troubles(payload.troubles),
    memory: names(payload.memory),
    lockout_until: textOrNull(payload.lockout_until),
  };
}

/** `ALARM: event {…}`: the documented fields only; null without a kind and a time. */
export function alarmEventOf(payload: unknown): AlarmEventView | null {
  if (!isObject(payload)) return null;
  const kind = text(payload.kind);
  const at = text(payload.at);
  if (kind === undefined || at === undefined) return null;
  const event: AlarmEventView = { kind, at };
  for (const field of ["user", "source", "zone", "mode", "until", "reason", "via"] as const) {
    const value = text(payload[field]);
    if (value !== undefined) event[field] = value;
  }
  if (Array.isArray(payload.zones)) event.zones = names(payload.zones);
  const attempts = number(payload.attempts);
  if (attempts !== undefined) event.attempts = attempts;
  return event;
}

/** `MUSIC: <state> {…}` as the page's music section; null for a shape it does not know. */
export function musicSectionOf(state: string, payload: unknown): MusicSection | null {
  if (!/^[a-z]{1,20}$/.test(state)) return null;
  const music: MusicSection = { state };
  if (payload === undefined) return music;
  if (!isObject(payload)) return null;
  for (const field of ["title", "artist", "alert", "error"] as const) {
    const value = text(payload[field]);
    if (value !== undefined) music[field] = value;
  }
  for (const field of ["elapsed_s", "duration_s", "volume"] as const) {
    const value = number(payload[field]);
    if (value !== undefined) music[field] = value;
  }
  return music;
}

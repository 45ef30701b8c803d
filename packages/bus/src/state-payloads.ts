/**
 * The `ALARM:` and `MUSIC:` payloads, checked field by field before they are passed on (to a
 * dashboard page, to MQTT): anyone on the bus can publish `ALARM:` or `MUSIC:`, so what is
 * passed on has the documented shape (docs/protocol.md), short strings and short lists, and
 * nothing else.
 */

/** The alarm's states (`ALARM: <state> {…}`): Home Assistant's alarm panel states. */
export const ALARM_STATES = ["disarmed", "arming", "armed_away", "armed_home", "armed_night", "pending", "triggered"] as const;
export type AlarmStateName = (typeof ALARM_STATES)[number];

/** The alarm's arm modes. */
export const ARM_MODES = ["away", "home", "night"] as const;
export type ArmModeName = (typeof ARM_MODES)[number];

/** Longest text passed on: names, reasons, titles. */
export const MAX_PAYLOAD_TEXT = 200;
/** Most entries of a list or map passed on. */
export const MAX_PAYLOAD_ITEMS = 256;

/** `ALARM: <state> {…}` as checked: every documented field, with its state's name. */
export interface AlarmStatePayload {
  state: string;
  mode: ArmModeName | null;
  next_state: string | null;
  delay_s: number | null;
  /** ISO time, as the alarm sent it (not checked to be one). */
  ends_at: string | null;
  changed_by: string;
  open_zones: string[];
  bypassed: string[];
  shut_down: string[];
  troubles: Record<string, string>;
  memory: string[];
  lockout_until: string | null;
}

/** `ALARM: event {…}` as checked: `kind` and `at`, and the documented optional fields. */
export interface AlarmEventPayload {
  kind: string;
  at: string;
  user?: string;
  source?: string;
  zone?: string;
  zones?: string[];
  mode?: string;
  attempts?: number;
  until?: string;
  reason?: string;
  via?: string;
}

/** `MUSIC: <state> {…}` as checked. */
export interface MusicStatePayload {
  /** `play`, `pause`, `stop`, `offline`. */
  state: string;
  title?: string;
  artist?: string;
  elapsed_s?: number;
  duration_s?: number;
  volume?: number;
  alert?: string;
  error?: string;
}

const STATE_SET = new Set<string>(ALARM_STATES);
const MODE_SET = new Set<string>(ARM_MODES);

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function text(value: unknown): string | undefined {
  return typeof value === "string" ? value.slice(0, MAX_PAYLOAD_TEXT) : undefined;
}

function textOrNull(value: unknown): string | null {
  return text(value) ?? null;
}

function number(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

function names(value: unknown): string[] {
  return Array.isArray(value)
    ? value.slice(0, MAX_PAYLOAD_ITEMS).flatMap((item) => (typeof item === "string" ? [item.slice(0, MAX_PAYLOAD_TEXT)] : []))
    : [];
}

function troubles(value: unknown): Record<string, string> {
  if (!isObject(value)) return {};
  return Object.fromEntries(
    Object.entries(value)
      .slice(0, MAX_PAYLOAD_ITEMS)
      .flatMap(([zone, why]) =>
        typeof why === "string" ? [[zone.slice(0, MAX_PAYLOAD_TEXT), why.slice(0, MAX_PAYLOAD_TEXT)] as const] : [],
      ),
  );
}

/**
 * `ALARM: <state> {…}` (the subject and the parsed JSON) as its documented fields; null for a
 * subject that is no alarm state (`event`, `chime`, anything made up) or a payload that is no
 * object. Missing or mistyped fields read as null or empty.
 */
export function alarmStateOf(state: string, payload: unknown): AlarmStatePayload | null {
  if (!STATE_SET.has(state) || !isObject(payload)) return null;
  const mode = typeof payload.mode === "string" && MODE_SET.has(payload.mode) ? (payload.mode as ArmModeName) : null;
  const nextState = typeof payload.next_state === "string" && STATE_SET.has(payload.next_state) ? payload.next_state : null;
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

/** `ALARM: event {…}`'s parsed JSON as its documented fields only; null without a `kind` and an `at`. */
export function alarmEventOf(payload: unknown): AlarmEventPayload | null {
  if (!isObject(payload)) return null;
  const kind = text(payload.kind);
  const at = text(payload.at);
  if (kind === undefined || at === undefined) return null;
  const event: AlarmEventPayload = { kind, at };
  for (const field of ["user", "source", "zone", "mode", "until", "reason", "via"] as const) {
    const value = text(payload[field]);
    if (value !== undefined) event[field] = value;
  }
  if (Array.isArray(payload.zones)) event.zones = names(payload.zones);
  const attempts = number(payload.attempts);
  if (attempts !== undefined) event.attempts = attempts;
  return event;
}

/** `MUSIC: <state> {…}` (the subject and the parsed JSON, or undefined without one); null for a shape it does not know. */
export function musicStateOf(state: string, payload: unknown): MusicStatePayload | null {
  if (!/^[a-z]{1,20}$/.test(state)) return null;
  const music: MusicStatePayload = { state };
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

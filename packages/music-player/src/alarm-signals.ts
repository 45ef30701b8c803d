import { parseSubject, Topic, type BusMessage } from "@roomguard/bus";

/** The alarm's states (docs/protocol.md: Home Assistant's names); only `triggered` sounds the siren. */
export const ALARM_STATES = ["disarmed", "arming", "armed_away", "armed_home", "armed_night", "pending", "triggered"] as const;
export type AlarmState = (typeof ALARM_STATES)[number];

/** `ALARM: <state> {…}` → the state; null for `ALARM: event …`, `ALARM: chime …` and anything unknown. */
export function alarmState(message: BusMessage): AlarmState | null {
  if (message.topic !== Topic.ALARM) return null;
  const { subject } = parseSubject(message);
  return (ALARM_STATES as readonly string[]).includes(subject) ? (subject as AlarmState) : null;
}

/**
 * `ALARM: chime {"zone":"front"}` → the zone: a chime zone opened while the alarm is disarmed,
 * and the door chime is due. The alarm decides when a door chimes; the music player only plays
 * it. Null for other messages, and for a chime without a zone name.
 */
export function alarmChime(message: BusMessage): { zone: string } | null {
  if (message.topic !== Topic.ALARM) return null;
  const { subject, payload } = parseSubject(message);
  if (subject !== "chime" || typeof payload !== "object" || payload === null) return null;
  const { zone } = payload as { zone?: unknown };
  return typeof zone === "string" ? { zone } : null;
}

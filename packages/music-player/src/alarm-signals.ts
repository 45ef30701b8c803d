import { parseSubject, Topic, type BusMessage } from "@roomguard/bus";

/** The alarm's states (docs/protocol.md); only `triggered` sounds the siren. */
export const ALARM_STATES = ["disarmed", "arming", "armed", "entry", "triggered"] as const;
export type AlarmState = (typeof ALARM_STATES)[number];

/** `ALARM: <state> {…}` → the state; null for security events (`ALARM: event …`) and anything unknown. */
export function alarmState(message: BusMessage): AlarmState | null {
  if (message.topic !== Topic.ALARM) return null;
  const { subject } = parseSubject(message);
  return (ALARM_STATES as readonly string[]).includes(subject) ? (subject as AlarmState) : null;
}

/**
 * `DOOR: <sensor-id> open|closed` → the door and its state; lala-pi's `DOOR: open|closed`
 * is the sensor `door`. Null when the message is neither.
 */
export function doorEvent(message: BusMessage): { sensor: string; open: boolean } | null {
  if (message.topic !== Topic.DOOR) return null;
  const words = message.rest.split(" ");
  const [sensor, state] = words.length === 1 ? ["door", words[0]] : words.length === 2 ? words : [];
  if (!sensor || (state !== "open" && state !== "closed")) return null;
  return { sensor, open: state === "open" };
}

/**
 * Remembers each door's last state so that only an opening chimes: a door that was closed
 * and is now open. A state heard again (`CONTROL: sensors STATE` republishes them) or heard
 * for the first time does not.
 */
export class DoorWatch {
  private readonly open = new Map<string, boolean>();

  /** True when this event is a closed door opening. */
  opened(event: { sensor: string; open: boolean }): boolean {
    const before = this.open.get(event.sensor);
    this.open.set(event.sensor, event.open);
    return event.open && before === false;
  }
}

import { Topic, type BusMessage } from "@roomguard/bus";

/** What a sensor said that matters to a zone. */
export type SensorSignal =
  { kind: "state"; sensor: string; open: boolean } | { kind: "fault"; sensor: string; why: string } | { kind: "reading"; sensor: string };

/** The topics a zone listens to (docs/protocol.md). */
export const ZONE_TOPICS = [`${Topic.DOOR}:`, `${Topic.MOTION}:`, `${Topic.SENSOR}:`] as const;

const STATES: Record<string, Record<string, boolean>> = {
  [Topic.DOOR]: { open: true, closed: false },
  [Topic.MOTION]: { on: true, off: false },
};

/**
 * `DOOR: <id> open|closed`, `MOTION: <id> on|off`, lala-pi's bare `DOOR: open|closed` (the sensor
 * `door`), `SENSOR: <id> fault {…}` and a reading `SENSOR: <id> {…}` (which ends a fault). Null for
 * anything else: the caller says once that it ignored it.
 */
export function sensorSignal(message: BusMessage): SensorSignal | null {
  const states = STATES[message.topic];
  if (states) {
    const words = message.rest.split(" ");
    const [sensor, word] = words.length === 1 ? ["door", words[0]] : words.length === 2 ? words : [];
    if (message.topic === Topic.MOTION && words.length === 1) return null;
    const open = word === undefined ? undefined : states[word];
    return sensor === undefined || open === undefined ? null : { kind: "state", sensor, open };
  }
  if (message.topic !== Topic.SENSOR) return null;
  const space = message.rest.indexOf(" ");
  const sensor = message.rest.slice(0, space);
  if (space <= 0) return null;
  const after = message.rest.slice(space + 1);
  if (after.startsWith("fault ")) {
    const fault = jsonObject(after.slice("fault ".length));
    const code = typeof fault?.code === "string" ? fault.code.slice(0, 40) : "UNKNOWN";
    return { kind: "fault", sensor, why: `sensor fault ${code}` };
  }
  return jsonObject(after) ? { kind: "reading", sensor } : null;
}

function jsonObject(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

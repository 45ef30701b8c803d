import type { BusMessage } from "./message.js";
import { Topic } from "./topics.js";

/** What a sensor said: a door or PIR's state, a fault, or a reading. */
export type SensorSignal =
  | { kind: "state"; sensor: string; open: boolean }
  /** `why`: the short form zones show (`sensor fault ENODEV`); `error`: the sensor's message, cut to MAX_FAULT_TEXT. */
  | { kind: "fault"; sensor: string; why: string; error: string }
  /** The reading's finite numbers (`{"temperature_c": 21.5}`); other fields are dropped. */
  | { kind: "reading"; sensor: string; values: Record<string, number> };

/** The topics sensor signals come on (docs/protocol.md). */
export const SENSOR_SIGNAL_TOPICS = [`${Topic.DOOR}:`, `${Topic.MOTION}:`, `${Topic.SENSOR}:`] as const;

/** A fault's message is cut to this many characters: a display line, not a log. */
const MAX_FAULT_TEXT = 200;
/** A reading's quantities past this many, or with longer names, are dropped: bus input is untrusted. */
const MAX_QUANTITIES = 16;
const MAX_QUANTITY_NAME = 40;

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
    const error = typeof fault?.error === "string" ? fault.error.slice(0, MAX_FAULT_TEXT) : `sensor fault ${code}`;
    return { kind: "fault", sensor, why: `sensor fault ${code}`, error };
  }
  const reading = jsonObject(after);
  return reading ? { kind: "reading", sensor, values: finiteNumbers(reading) } : null;
}

function finiteNumbers(reading: Record<string, unknown>): Record<string, number> {
  const values: Record<string, number> = {};
  let count = 0;
  for (const [name, value] of Object.entries(reading)) {
    if (count === MAX_QUANTITIES) break;
    if (typeof value !== "number" || !Number.isFinite(value) || name.length > MAX_QUANTITY_NAME) continue;
    values[name] = value;
    count++;
  }
  return values;
}

function jsonObject(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

import { SERVICE_NAME_PATTERN } from "@roomguard/config";
import { formatMessage, MessageError, preview, type BusMessage } from "./message.js";

/**
 * The topics of the catalog (docs/protocol.md is the source of truth). Topics for later
 * services are listed so that every program agrees on their spelling.
 */
export const Topic = {
  /** `KEY: <NAME>` — a key was pressed; `KEY: <NAME> HOLD` once when held. */
  KEY: "KEY",
  /** `SENSOR: <id> {json}` — a reading, or `SENSOR: <id> fault {json}`. */
  SENSOR: "SENSOR",
  /** `MUSIC: <state> {json}` — the music player's state. */
  MUSIC: "MUSIC",
  /** `ALARM: <state> {json}` — the alarm controller's state and security events. */
  ALARM: "ALARM",
  /** `HEARTBEAT: <service> {"pid":…,"uptime_s":…}` — a service is alive. */
  HEARTBEAT: "HEARTBEAT",
  /** `CONTROL: <service|all> <COMMAND> [json]` — a command to a service; `{"id":"…"}` in the json is echoed in its answer. */
  CONTROL: "CONTROL",
  /** `STATUS: <service> {json}` — a service's answer to a `CONTROL:` command, with the command's `"id"` when it carried one. */
  STATUS: "STATUS",
  /** `SIM: …` — input for simulated hardware. */
  SIM: "SIM",
  /** `ROUTER: stats {json}` — the router's traffic figures. */
  ROUTER: "ROUTER",
  /** `LAUNCHER: <event> {json}` — the launcher started, adopted, lost, restarted, gave up or stopped a service. */
  LAUNCHER: "LAUNCHER",
  /** `DEATH` — lala-pi's stop message; honoured by the router only with `router.acceptDeath`. */
  DEATH: "DEATH",
  /** `DOOR: <sensor-id> open|closed` — a door or window switch (lala-pi's `DOOR: open|closed` too). */
  DOOR: "DOOR",
  /** `MOTION: <sensor-id> on|off` — a motion sensor. */
  MOTION: "MOTION",
  /** `TEMP: <°C>` — lala-pi's thermometer. */
  TEMP: "TEMP",
} as const;

export type TopicName = (typeof Topic)[keyof typeof Topic];

/** Service names: lower case, digits and `-` (`router`, `music-player`); the config's definition. */
export { SERVICE_NAME_PATTERN };

/** Key names: no spaces (`LEFT`, `0`, `*`, `#`, `ENTER`, `+`). */
export const KEY_NAME_PATTERN = /^[A-Za-z0-9*#+\-./_]+$/;

/** `KEY: LEFT`, or `KEY: LEFT HOLD` for a held key. */
export function keyMessage(name: string, options: { hold?: boolean } = {}): string {
  if (!KEY_NAME_PATTERN.test(name)) throw new MessageError("ESUBJECT", `expected a key name without spaces, got ${preview(name)}`);
  return formatMessage(Topic.KEY, options.hold ? `${name} HOLD` : name);
}

/** The key of a `KEY:` message, or null when the message is not a key message. */
export function parseKey(message: BusMessage): { name: string; hold: boolean } | null {
  if (message.topic !== Topic.KEY) return null;
  const [name, modifier, extra] = message.rest.split(" ");
  if (!name || !KEY_NAME_PATTERN.test(name) || extra !== undefined) return null;
  if (modifier === undefined) return { name, hold: false };
  return modifier === "HOLD" ? { name, hold: true } : null;
}

/**
 * `TOPIC: <subject> {json}` — the shape of every structured message (SENSOR, HEARTBEAT,
 * STATUS, ROUTER, MUSIC, ALARM).
 */
export function subjectMessage(topic: string, subject: string, payload?: unknown, maxSize?: number): string {
  if (!/^\S+$/.test(subject)) throw new MessageError("ESUBJECT", `expected a subject without spaces, got ${preview(subject)}`);
  const rest = payload === undefined ? subject : `${subject} ${JSON.stringify(payload)}`;
  return formatMessage(topic, rest, maxSize);
}

/** Splits `<subject> <json>`; the payload is undefined when absent. Throws {@link MessageError} on bad JSON. */
export function parseSubject(message: BusMessage): { subject: string; payload: unknown } {
  const space = message.rest.indexOf(" ");
  const subject = space < 0 ? message.rest : message.rest.slice(0, space);
  if (subject === "") throw new MessageError("ESUBJECT", `expected "${message.topic}: <subject> …", got ${preview(message.text)}`);
  if (space < 0) return { subject, payload: undefined };
  const json = message.rest.slice(space + 1);
  try {
    return { subject, payload: JSON.parse(json) as unknown };
  } catch {
    throw new MessageError("EPAYLOAD", `expected JSON after "${message.topic}: ${subject}", got ${preview(json)}`);
  }
}

/** What a heartbeat carries. Services may add fields. */
export interface HeartbeatPayload {
  pid: number;
  uptime_s: number;
  [field: string]: unknown;
}

export function heartbeatMessage(service: string, payload: HeartbeatPayload): string {
  checkServiceName(service);
  return subjectMessage(Topic.HEARTBEAT, service, payload);
}

/** `CONTROL: <target> <COMMAND> [json]` with target a service name or `all`. */
export function controlMessage(target: string, command: string, args?: unknown): string {
  if (target !== "all") checkServiceName(target);
  if (!/^[A-Z][A-Z0-9_]*$/.test(command)) throw new MessageError("ESUBJECT", `expected an upper-case command, got ${preview(command)}`);
  return formatMessage(Topic.CONTROL, args === undefined ? `${target} ${command}` : `${target} ${command} ${JSON.stringify(args)}`);
}

export interface ControlCommand {
  target: string;
  command: string;
  args: unknown;
}

/** The parts of a `CONTROL:` message. Throws {@link MessageError} when it is malformed. */
export function parseControl(message: BusMessage): ControlCommand {
  const match = /^(\S+) ([A-Z][A-Z0-9_]*)(?: (.*))?$/s.exec(message.rest);
  if (message.topic !== Topic.CONTROL || !match) {
    throw new MessageError("ESUBJECT", `expected "CONTROL: <service|all> <COMMAND> [json]", got ${preview(message.text)}`);
  }
  let args: unknown;
  if (match[3] !== undefined) {
    try {
      args = JSON.parse(match[3]) as unknown;
    } catch {
      throw new MessageError("EPAYLOAD", `expected JSON arguments after "${match[2] ?? ""}", got ${preview(match[3])}`);
    }
  }
  return { target: match[1] ?? "", command: match[2] ?? "", args };
}

function checkServiceName(service: string): void {
  if (!SERVICE_NAME_PATTERN.test(service)) {
    throw new MessageError("ESUBJECT", `expected a service name like "music-player", got ${preview(service)}`);
  }
}

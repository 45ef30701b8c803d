import type { BusMessage } from "@roomguard/bus";

/**
 * The topics a bridge carries: those whose messages start with a subject naming what they are
 * about (docs/protocol.md), so the origin room can go in front of it. `KEY: <NAME>`,
 * `ALARM: <state>`, `MUSIC: <state>`, `CONTROL: <service> <COMMAND>` and the rest have no such
 * subject, or are commands: they are refused in the config (see check-config.ts).
 */
export const BRIDGED_TOPICS = ["SENSOR", "DOOR", "MOTION", "HEARTBEAT"] as const;

/** A subject that may cross: a sensor id or service name. No `/` (that marks one that crossed already), no spaces. */
const SUBJECT = /^[A-Za-z0-9_-]{1,64}$/;

/** Why a message does not cross. */
export type RefusalReason =
  /** Not one of BRIDGED_TOPICS (a bus program published it under a prefix the bridge took). */
  | "topic"
  /** Its subject has a `/`: it came over a bridge already, and never crosses again. */
  | "crossed"
  /** No subject, or one that is no sensor id or service name. */
  | "subject"
  /** Longer than the other bus takes, once the room is added. */
  | "size";

export type Crossing = { ok: true; text: string } | { ok: false; reason: RefusalReason };

/**
 * The message as it goes to the other bus: its subject prefixed with the room it comes from,
 * `DOOR: window open` from the bedroom → `DOOR: bedroom/window open`. lala-pi's bare
 * `DOOR: open` is the sensor `door` (as the alarm reads it) → `DOOR: bedroom/door open`.
 *
 * The rule that makes loops impossible: a message whose subject has a `/` never crosses, and
 * every message that crosses gets one. So a message crosses at most one bridge, once, whatever
 * bridges join whatever buses (docs/bridge.md).
 */
export function cross(message: BusMessage, room: string, maxMessageSize: number): Crossing {
  if (!(BRIDGED_TOPICS as readonly string[]).includes(message.topic)) return { ok: false, reason: "topic" };
  let rest = message.rest;
  if (message.topic === "DOOR" && (rest === "open" || rest === "closed")) rest = `door ${rest}`;
  const space = rest.indexOf(" ");
  const subject = space < 0 ? rest : rest.slice(0, space);
  if (subject.includes("/")) return { ok: false, reason: "crossed" };
  if (!SUBJECT.test(subject)) return { ok: false, reason: "subject" };
  const text = `${message.topic}: ${room}/${rest}`;
  if (Buffer.byteLength(text) > maxMessageSize) return { ok: false, reason: "size" };
  return { ok: true, text };
}

/**
 * At most `perS` messages a second, in bursts of up to `perS`: what one remote may bring, so a
 * flood on one bus is dropped at the bridge and counted instead of loading the other.
 */
export class RateLimit {
  private tokens: number;
  private at: number;

  constructor(
    private readonly perS: number,
    private readonly now: () => number,
  ) {
    this.tokens = perS;
    this.at = now();
  }

  /** Takes one message's token; false when there is none left (drop it). */
  take(): boolean {
    const now = this.now();
    this.tokens = Math.min(this.perS, this.tokens + ((now - this.at) / 1000) * this.perS);
    this.at = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

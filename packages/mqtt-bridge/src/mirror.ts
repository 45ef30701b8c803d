import { DEFAULT_MAX_MESSAGE_SIZE, parseMessage, Topic, type BusMessage } from "@roomguard/bus";
import type { Logger } from "@roomguard/runtime";
import { baseTopic, type Publication } from "./publication.js";

/**
 * Bus topics never mirrored out, whatever `mqtt.mirror.topics` says: `CONTROL:` (commands to
 * services, with their ids) and `SIM:` (simulated hardware input) are the appliance's own business.
 */
export const NEVER_MIRRORED: readonly string[] = [Topic.CONTROL, Topic.SIM];

/**
 * Bus topics never taken from `<base>/send`, whatever `mqtt.mirror.send` says, with why: a forged
 * one would command a service, fake hardware, change or fake security state, or stop the router.
 */
export const NEVER_SENT: Readonly<Record<string, string>> = {
  [Topic.CONTROL]: "a command to a service",
  [Topic.SIM]: "input for simulated hardware",
  [Topic.ALARM]: "the alarm's own state and events: forging them would change security state",
  [Topic.HEARTBEAT]: "a service's proof of life: forging one would hide a dead service",
  [Topic.STATUS]: "a service's answer to a command",
  [Topic.DEATH]: "lala-pi's stop message for the router",
};

/** Longest subject mirrored, once made a topic level (percent-encoded), in bytes. */
export const MAX_SUBJECT_LEVEL = 128;

export interface MirrorOptions {
  /** `mqtt.baseTopic`. */
  baseTopic: string;
  /** `mqtt.mirror.topics`: bus topics (`SENSOR` or `SENSOR:`) mirrored to `<base>/bus/<TOPIC>/…`. */
  topics: readonly string[];
  /** `mqtt.mirror.send`: bus topics a `<base>/send` message may carry onto the bus. Empty: `send` is off. */
  send: readonly string[];
  /** `bus.maxMessageSize`: the largest message taken from `send`, in bytes. Default 64 KiB. */
  maxMessageSize?: number;
  /** Publishes on MQTT. Must not throw. */
  publish(publication: Publication): void;
  /** Publishes a message on the bus. */
  publishBus(text: string): Promise<void>;
  log: Logger;
}

/** What became of a `<base>/send` message. */
export type SendOutcome = { sent: true; topic: string } | { sent: false; reason: string };

/**
 * Makes a subject one MQTT topic level: letters, digits and `_ . : @ * ~ -` as they are, every
 * other byte of its UTF-8 as `%XX` (so `#` and `+`, which keypads have, are no wildcards, and `/`
 * adds no level). Reversible with decodeURIComponent.
 */
export function subjectLevel(subject: string): string {
  let level = "";
  for (const byte of Buffer.from(subject, "utf8")) {
    const char = String.fromCharCode(byte);
    level += /[A-Za-z0-9_.:@*~-]/.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return level;
}

/**
 * Where a bus message is mirrored: `<base>/bus/<TOPIC>/<subject>` with the rest after the subject
 * as the payload, or `<base>/bus/<TOPIC>` with an empty payload for a bare message (`DEATH`);
 * null for a message without a usable subject (empty, or longer than {@link MAX_SUBJECT_LEVEL}).
 */
export function mirrorPublication(base: string, message: BusMessage): Publication | null {
  if (message.rest === "") return { topic: `${base}/bus/${message.topic}`, payload: "", retain: false };
  const space = message.rest.indexOf(" ");
  const subject = space < 0 ? message.rest : message.rest.slice(0, space);
  const level = subjectLevel(subject);
  if (level === "" || level.length > MAX_SUBJECT_LEVEL) return null;
  return { topic: `${base}/bus/${message.topic}/${level}`, payload: space < 0 ? "" : message.rest.slice(space + 1), retain: false };
}

/**
 * The generic mirror for Node-RED and other tools: chosen bus topics out to
 * `<base>/bus/<TOPIC>/<subject>`, and `<base>/send` back onto the bus for allowed topics.
 *
 * Loops are impossible by construction:
 * 1. The bridge subscribes only to its command topics (`<base>/alarm/set`, `<base>/music/set`,
 *    `<base>/send`) and to Home Assistant's `<prefix>/status`, and publishes only to other topics:
 *    mirrored messages go under `<base>/bus/`, whose topics have at least two more levels than
 *    `<base>/send` and so never match it (MQTT filters without wildcards match one topic only).
 *    A message put on the bus from `send` is mirrored to `<base>/bus/…`, which no part of the
 *    bridge subscribes to: it comes out once and is never taken again.
 * 2. Two bridges with distinct base topics on one broker, mirroring one bus: bridge B takes only
 *    `<B>/send`. Bridge A can only publish there if `<B>` lies under `<A>/bus/` (a nested base,
 *    which the docs tell not to do); even then what A publishes is the rest of a bus message after
 *    its `TOPIC: subject` — strictly shorter than the message — and B puts exactly that on the
 *    bus, so each turn of such a cycle shortens the message: it dies out in fewer turns than the
 *    message has characters, and an empty payload is no message at all.
 */
export class BusMirror {
  /** The bus prefixes to subscribe to for the mirror (`KEY`: bare `KEY` and `KEY: …`); {@link take} filters exact topics. */
  readonly busPrefixes: readonly string[];
  /** The MQTT topics to subscribe to: `<base>/send` when `send` allows a topic, else none. */
  readonly subscriptions: readonly string[];
  /** `send` messages refused, by reason's key (for STATUS). */
  readonly refused = new Map<string, number>();
  /** Messages mirrored out, and taken from `send` onto the bus. */
  mirrored = 0;
  sent = 0;
  private readonly base: string;
  private readonly mirroredTopics: Set<string>;
  private readonly sendTopics: Set<string>;

  constructor(private readonly options: MirrorOptions) {
    this.base = baseTopic(options.baseTopic);
    const { log } = options;
    this.mirroredTopics = new Set(
      options.topics.map(bareTopic).filter((topic) => {
        if (!NEVER_MIRRORED.includes(topic)) return true;
        log.once("warn", `mirror ${topic}`, `mqtt.mirror.topics names ${topic}: it is never mirrored`);
        return false;
      }),
    );
    this.sendTopics = new Set(
      options.send.map(bareTopic).filter((topic) => {
        const why = NEVER_SENT[topic];
        if (why === undefined) return true;
        log.once("warn", `send ${topic}`, `mqtt.mirror.send names ${topic}: it is never taken from MQTT (${why})`);
        return false;
      }),
    );
    this.busPrefixes = [...this.mirroredTopics];
    this.subscriptions = this.sendTopics.size > 0 ? [`${this.base}/send`] : [];
  }

  /** A bus message: mirrored when its topic is one of `topics`; returns whether it was. Never throws. */
  take(message: BusMessage): boolean {
    if (!this.mirroredTopics.has(message.topic)) return false;
    const publication = mirrorPublication(this.base, message);
    if (publication === null) {
      this.options.log.once(
        "info",
        `mirror subject ${message.topic}`,
        `a ${message.topic}: message has no subject usable as a topic level`,
        {
          why: `empty, or over ${MAX_SUBJECT_LEVEL} bytes once encoded`,
        },
      );
      return false;
    }
    this.mirrored++;
    this.options.publish(publication);
    return true;
  }

  /**
   * A `<base>/send` message: put on the bus when it is one well-formed bus message (parseMessage,
   * at most `maxMessageSize` bytes) of an allowed topic, and was not retained (a retained one would
   * be sent again at every reconnection). Refusals are logged once per topic (or per kind of
   * malformation) with the reason. Never rejects.
   */
  async send(payload: Uint8Array | string, retained = false): Promise<SendOutcome> {
    const parsed = parseMessage(
      typeof payload === "string" ? payload : Buffer.from(payload),
      this.options.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE,
    );
    if (!parsed.ok) return this.refuse(`malformed ${parsed.error.code}`, `not a bus message: ${parsed.error.message}`);
    const { topic, text } = parsed.message;
    if (retained) return this.refuse(`retained ${topic}`, "a retained message is refused: publish to send without the retain flag");
    const never = NEVER_SENT[topic];
    if (never !== undefined) return this.refuse(`topic ${topic}`, `${topic}: is never taken from MQTT: ${never}`);
    if (!this.sendTopics.has(topic)) return this.refuse(`topic ${topic}`, `${topic}: is not in mqtt.mirror.send`);
    try {
      await this.options.publishBus(text);
    } catch (error) {
      return this.refuse(`bus ${topic}`, `the bus did not take it: ${error instanceof Error ? error.message : String(error)}`);
    }
    this.sent++;
    return { sent: true, topic };
  }

  private refuse(key: string, reason: string): SendOutcome {
    this.refused.set(key, (this.refused.get(key) ?? 0) + 1);
    this.options.log.once("warn", `send refused ${key}`, `refused a message on ${this.base}/send`, { reason });
    return { sent: false, reason };
  }
}

/** `SENSOR:` → `SENSOR` (the config takes both). */
function bareTopic(topic: string): string {
  return topic.endsWith(":") ? topic.slice(0, -1) : topic;
}

/** One MQTT message the bridge publishes: what the broker link sends (QoS is the link's choice). */
export interface Publication {
  readonly topic: string;
  readonly payload: string;
  /** Kept by the broker for late subscribers: states yes, events and mirrored messages no. */
  readonly retain: boolean;
}

/** Topic levels the bridge builds from config names (zones, sensors, services): no wildcard, no `/`, no `$`. */
const TOPIC_LEVEL = /^[A-Za-z0-9_-]{1,64}$/;

/** Checks a name used as one topic level; throws a TypeError "expected …, got …" otherwise. */
export function topicLevel(name: string, what: string): string {
  if (!TOPIC_LEVEL.test(name)) throw new TypeError(`expected ${what} of 1 to 64 letters, digits, _ or -, got ${JSON.stringify(name)}`);
  return name;
}

/** `mqtt.baseTopic`'s form: levels of letters, digits, `-` and `_`, no wildcard, no empty level. */
const BASE_TOPIC = /^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*$/;

/** Checks a base topic; throws a TypeError "expected …, got …" otherwise. */
export function baseTopic(base: string): string {
  if (!BASE_TOPIC.test(base))
    throw new TypeError(`expected a base topic of levels of letters, digits, _ and -, got ${JSON.stringify(base)}`);
  return base;
}

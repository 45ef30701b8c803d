import {
  alarmEventOf,
  alarmStateOf,
  musicStateOf,
  parseSubject,
  preview,
  sensorSignal,
  Topic,
  type AlarmStatePayload,
  type BusMessage,
} from "@roomguard/bus";
import type { Clock, Logger, TimerHandle } from "@roomguard/runtime";
import { baseTopic, topicLevel, type Publication } from "./publication.js";

/** The bus prefixes the states come from: subscribe to these and pass every message to {@link HaStates.take}. */
export const STATE_BUS_TOPICS = [
  `${Topic.ALARM}:`,
  `${Topic.DOOR}:`,
  `${Topic.MOTION}:`,
  `${Topic.SENSOR}:`,
  `${Topic.HEARTBEAT}:`,
  `${Topic.MUSIC}:`,
] as const;

/** Default least time between two publications of one sensor's reading, in ms. */
export const DEFAULT_SENSOR_MIN_INTERVAL_MS = 1000;

/** A zone as the config names it (`alarm.zones[].name ?? sensor`) and the sensor id that drives it. */
export interface StateZone {
  name: string;
  sensor: string;
}

export interface HaStatesOptions {
  /** `mqtt.baseTopic`, e.g. `roomguard`. */
  baseTopic: string;
  /** The configured zones: `<base>/zone/<name>/state`. Other sensors' DOOR:/MOTION: are not published. */
  zones: readonly StateZone[];
  /** The configured sensor ids (`sensors[].id`): `<base>/sensor/<id>/state`. Other ids are not published. */
  sensorIds: readonly string[];
  /** The services whose availability is published (the registry's names): others' heartbeats are ignored. */
  services: readonly string[];
  /** `bus.heartbeatIntervalS`: a service is offline after twice this without a heartbeat. */
  heartbeatIntervalS: number;
  /** Least time between two publications of one sensor, in ms; the latest reading waits. Default 1000. */
  sensorMinIntervalMs?: number;
  clock: Clock;
  /** Sends one publication (the broker link; it may queue while disconnected). Must not throw. */
  publish(publication: Publication): void;
  log: Logger;
}

interface SensorSlot {
  topic: string;
  /** When its last publication went out (clock ms); null before the first. */
  lastAt: number | null;
  /** The latest reading not yet published, waiting for `timer`. */
  pending: string | null;
  timer: TimerHandle | null;
}

/**
 * From bus messages to Home Assistant's state topics (docs/home-assistant.md's table):
 *
 * - `ALARM: <state> {…}` → `<base>/alarm/state` (the state's name), `<base>/alarm/attributes`
 *   (the documented fields, checked and cut by alarmStateOf), `<base>/alarm/troubles` (a count)
 *   and `<base>/alarm/troubles/attributes` (`{zone: why}`); each only when it changed (the alarm
 *   repeats its state every heartbeat interval).
 * - `ALARM: event {…}` → `<base>/alarm/event` (not retained: the checked event's JSON),
 *   `<base>/alarm/last_event` (its kind) and `<base>/alarm/last_event/attributes` (its JSON).
 * - `DOOR:`/`MOTION:` → `<base>/zone/<name>/state` `ON`/`OFF` for each configured zone of that sensor.
 * - `SENSOR: <id> {…}` → `<base>/sensor/<id>/state` (the reading's finite numbers as JSON), for
 *   configured ids only, at most once per `sensorMinIntervalMs` per sensor (the latest reading
 *   wins), so 1,000 readings a second cost one publication a second.
 * - `HEARTBEAT: <service>` → `<base>/service/<service>/availability` `online`; `offline` after two
 *   heartbeat intervals without one (known services only; also for one never heard since start).
 * - `MUSIC: <state> {…}` → `<base>/music/state` (the checked payload with its state).
 *
 * Everything but the events is retained, and {@link republishAll} gives it all again. Memory is
 * bounded by the config: only configured zones, sensors and services have entries, so a flood of
 * made-up ids costs nothing. Messages not understood are counted per topic and logged once.
 */
export class HaStates {
  /** Messages not understood, by bus topic (for STATUS). */
  readonly ignored = new Map<string, number>();
  private readonly base: string;
  /** Every retained topic's last payload: what changed is told, and what republishAll gives. */
  private readonly retained = new Map<string, string>();
  private readonly zonesBySensor = new Map<string, string[]>();
  private readonly sensors = new Map<string, SensorSlot>();
  private readonly services = new Map<string, TimerHandle | null>();
  private readonly sensorMinIntervalMs: number;
  private readonly silenceMs: number;
  private started = false;

  constructor(private readonly options: HaStatesOptions) {
    this.base = baseTopic(options.baseTopic);
    for (const zone of options.zones) {
      topicLevel(zone.name, "a zone name");
      this.zonesBySensor.set(zone.sensor, [...(this.zonesBySensor.get(zone.sensor) ?? []), zone.name]);
    }
    for (const id of options.sensorIds)
      this.sensors.set(id, {
        topic: `${this.base}/sensor/${topicLevel(id, "a sensor id")}/state`,
        lastAt: null,
        pending: null,
        timer: null,
      });
    for (const service of options.services) this.services.set(topicLevel(service, "a service name"), null);
    this.sensorMinIntervalMs = options.sensorMinIntervalMs ?? DEFAULT_SENSOR_MIN_INTERVAL_MS;
    if (!(options.heartbeatIntervalS > 0)) throw new TypeError(`expected heartbeatIntervalS > 0, got ${options.heartbeatIntervalS}`);
    this.silenceMs = 2 * options.heartbeatIntervalS * 1000;
  }

  /** Starts each known service's silence timer: one never heard goes `offline` after two intervals. */
  start(): void {
    if (this.started) return;
    this.started = true;
    for (const service of this.services.keys()) this.watchService(service);
  }

  /** Clears every timer; readings waiting are dropped. */
  stop(): void {
    this.started = false;
    const { clock } = this.options;
    for (const [service, timer] of this.services) {
      if (timer !== null) clock.clearTimeout(timer);
      this.services.set(service, null);
    }
    for (const slot of this.sensors.values()) {
      if (slot.timer !== null) clock.clearTimeout(slot.timer);
      slot.timer = null;
      slot.pending = null;
    }
  }

  /** Takes one bus message (any topic); returns whether it was understood. Never throws. */
  take(message: BusMessage): boolean {
    const understood = this.read(message);
    if (!understood) {
      this.ignored.set(message.topic, (this.ignored.get(message.topic) ?? 0) + 1);
      this.options.log.once("info", `ignored ${message.topic}`, `ignored a ${message.topic}: message it does not understand`, {
        example: preview(message.text),
      });
    }
    return understood;
  }

  /**
   * Every retained state known, to publish again (after a (re)connection, and when Home Assistant
   * says `<prefix>/status` `online`: zigbee2mqtt's behaviour). Readings waiting for their slot
   * follow by their timer.
   */
  republishAll(): Publication[] {
    return [...this.retained].map(([topic, payload]) => ({ topic, payload, retain: true }));
  }

  private read(message: BusMessage): boolean {
    switch (message.topic) {
      case Topic.ALARM:
        return this.readAlarm(message);
      case Topic.MUSIC:
        return this.readMusic(message);
      case Topic.HEARTBEAT:
        return this.readHeartbeat(message);
      case Topic.DOOR:
      case Topic.MOTION:
      case Topic.SENSOR:
        return this.readSensor(message);
      default:
        return false;
    }
  }

  private readAlarm(message: BusMessage): boolean {
    const parsed = safeSubject(message);
    if (parsed === null) return false;
    const { subject, payload } = parsed;
    if (subject === "chime") return true;
    if (subject === "event") {
      const event = alarmEventOf(payload);
      if (event === null) return false;
      const json = JSON.stringify(event);
      this.options.publish({ topic: `${this.base}/alarm/event`, payload: json, retain: false });
      this.retain(`${this.base}/alarm/last_event`, event.kind);
      this.retain(`${this.base}/alarm/last_event/attributes`, json);
      return true;
    }
    const alarm = alarmStateOf(subject, payload);
    if (alarm === null) return false;
    this.retain(`${this.base}/alarm/state`, alarm.state);
    this.retain(`${this.base}/alarm/attributes`, JSON.stringify(attributesOf(alarm)));
    this.retain(`${this.base}/alarm/troubles`, String(Object.keys(alarm.troubles).length));
    this.retain(`${this.base}/alarm/troubles/attributes`, JSON.stringify(alarm.troubles));
    return true;
  }

  private readMusic(message: BusMessage): boolean {
    const parsed = safeSubject(message);
    const music = parsed === null ? null : musicStateOf(parsed.subject, parsed.payload);
    if (music === null) return false;
    this.retain(`${this.base}/music/state`, JSON.stringify(music));
    return true;
  }

  private readHeartbeat(message: BusMessage): boolean {
    const parsed = safeSubject(message);
    if (parsed === null || typeof parsed.payload !== "object" || parsed.payload === null || Array.isArray(parsed.payload)) return false;
    if (!this.services.has(parsed.subject)) return true; // a service not known here (or made up): nothing to publish
    this.retain(`${this.base}/service/${parsed.subject}/availability`, "online");
    if (this.started) this.watchService(parsed.subject);
    return true;
  }

  private readSensor(message: BusMessage): boolean {
    const signal = sensorSignal(message);
    if (signal === null) return false;
    switch (signal.kind) {
      case "state":
        for (const zone of this.zonesBySensor.get(signal.sensor) ?? [])
          this.retain(`${this.base}/zone/${zone}/state`, signal.open ? "ON" : "OFF");
        return true;
      case "fault":
        return true; // the sensor reader's heartbeat says whether its entities are available
      case "reading": {
        const slot = this.sensors.get(signal.sensor);
        if (slot !== undefined) this.reading(slot, JSON.stringify(signal.values));
        return true;
      }
    }
  }

  /** A reading: published now if the sensor's last publication is old enough, else the latest waits for its slot. */
  private reading(slot: SensorSlot, payload: string): void {
    if (slot.timer !== null) {
      slot.pending = payload;
      return;
    }
    const now = this.options.clock.now();
    if (slot.lastAt === null || now - slot.lastAt >= this.sensorMinIntervalMs) {
      if (this.retain(slot.topic, payload)) slot.lastAt = now;
      return;
    }
    slot.pending = payload;
    slot.timer = this.options.clock.setTimeout(
      () => {
        slot.timer = null;
        const waiting = slot.pending;
        slot.pending = null;
        if (waiting !== null && this.retain(slot.topic, waiting)) slot.lastAt = this.options.clock.now();
      },
      slot.lastAt + this.sensorMinIntervalMs - now,
    );
  }

  /** (Re)starts a service's silence timer: `offline` when it runs out. */
  private watchService(service: string): void {
    const { clock } = this.options;
    const timer = this.services.get(service);
    if (timer !== null && timer !== undefined) clock.clearTimeout(timer);
    this.services.set(
      service,
      clock.setTimeout(() => {
        this.services.set(service, null);
        this.retain(`${this.base}/service/${service}/availability`, "offline");
      }, this.silenceMs),
    );
  }

  /** Publishes a retained state if it differs from the last one; returns whether it did. */
  private retain(topic: string, payload: string): boolean {
    if (this.retained.get(topic) === payload) return false;
    this.retained.set(topic, payload);
    this.options.publish({ topic, payload, retain: true });
    return true;
  }
}

/** The alarm's attributes for Home Assistant: every documented field but the state (that is the state topic). */
function attributesOf(alarm: AlarmStatePayload): Omit<AlarmStatePayload, "state"> {
  const { state: _state, ...attributes } = alarm;
  return attributes;
}

function safeSubject(message: BusMessage): { subject: string; payload: unknown } | null {
  try {
    return parseSubject(message);
  } catch {
    return null;
  }
}

import { alarmEventOf, alarmStateOf, musicStateOf, parseSubject, sensorSignal, Topic, type BusMessage } from "@roomguard/bus";
import {
  EVENTS_KEPT,
  type AlarmEventView,
  type AlarmSection,
  type DashboardState,
  type Section,
  type SensorSection,
  type ServicesSection,
  type ZoneSection,
} from "../page/protocol.js";

/** A zone as the config names it. */
export interface ZoneConfig {
  name: string;
  sensor: string;
  type: string;
}

/** One thing that changed: a section (or one entry of `zones`/`sensors`), or a new security event. */
export type StateChange = { section: Section; name?: string; value: unknown } | { event: AlarmEventView };

/** The topics the dashboard reads (the sensor reader's, the alarm's and the music player's). */
export const DASHBOARD_TOPICS = [`${Topic.DOOR}:`, `${Topic.MOTION}:`, `${Topic.SENSOR}:`, `${Topic.ALARM}:`, `${Topic.MUSIC}:`] as const;

/**
 * What the page shows, kept from the bus: the alarm's last state and events, each configured
 * zone's sensor, each configured sensor's reading, the music. Only configured zones and sensors
 * have entries, so a flood of made-up sensor ids costs nothing; a message that says nothing new
 * changes nothing and is not passed on.
 */
export class DashboardStore {
  private readonly state: DashboardState;
  private readonly zonesBySensor = new Map<string, string[]>();
  /** Messages not understood, by topic: said once each, counted in STATUS. */
  readonly ignored = new Map<string, number>();

  constructor(
    zones: readonly ZoneConfig[],
    sensorIds: readonly string[],
    private readonly onChange: (change: StateChange) => void,
  ) {
    this.state = { alarm: null, zones: {}, sensors: {}, music: null, services: null, events: [] };
    for (const zone of zones) {
      this.state.zones[zone.name] = { type: zone.type, sensor: zone.sensor, open: null, trouble: null, at: null };
      this.zonesBySensor.set(zone.sensor, [...(this.zonesBySensor.get(zone.sensor) ?? []), zone.name]);
    }
    for (const id of sensorIds) this.state.sensors[id] = { reading: null, state: null, fault: null, at: null };
  }

  /** The whole state, as a snapshot sends it (the caller serialises it at once). */
  snapshot(): DashboardState {
    return this.state;
  }

  /** Takes one bus message; returns whether it was understood. */
  take(message: BusMessage, now: number): boolean {
    const understood = this.read(message, now);
    if (!understood) this.ignored.set(message.topic, (this.ignored.get(message.topic) ?? 0) + 1);
    return understood;
  }

  setServices(services: ServicesSection): void {
    this.state.services = services;
    this.onChange({ section: "services", value: services });
  }

  private read(message: BusMessage, now: number): boolean {
    if (message.topic === Topic.ALARM) return this.readAlarm(message);
    if (message.topic === Topic.MUSIC) return this.readMusic(message);
    const signal = sensorSignal(message);
    if (signal === null) return false;
    if (signal.kind === "state")
      for (const name of this.zonesBySensor.get(signal.sensor) ?? []) this.updateZone(name, { open: signal.open, at: now });
    const sensor = this.state.sensors[signal.sensor];
    if (sensor === undefined) return true;
    let next: SensorSection;
    if (signal.kind === "state") {
      const state = (message.topic === Topic.DOOR ? ["closed", "open"] : ["off", "on"])[Number(signal.open)] ?? null;
      if (state === sensor.state) return true;
      next = { ...sensor, state, fault: null, at: now };
    } else if (signal.kind === "fault") next = { ...sensor, fault: signal.error, at: now };
    else next = { ...sensor, reading: signal.values, fault: null, at: now };
    this.state.sensors[signal.sensor] = next;
    this.onChange({ section: "sensors", name: signal.sensor, value: next });
    return true;
  }

  private readAlarm(message: BusMessage): boolean {
    const { subject, payload } = safeSubject(message);
    if (subject === "chime") return true;
    if (subject === "event") {
      const event = alarmEventOf(payload);
      if (event === null) return false;
      this.state.events.push(event);
      if (this.state.events.length > EVENTS_KEPT) this.state.events.shift();
      this.onChange({ event });
      return true;
    }
    const alarm = alarmStateOf(subject, payload);
    if (alarm === null) return false;
    const before = this.state.alarm;
    this.state.alarm = alarm;
    // The alarm repeats its state every heartbeat interval: only a change goes to the pages.
    if (before === null || !sameAlarm(before, alarm)) this.onChange({ section: "alarm", value: alarm });
    for (const [name, zone] of Object.entries(this.state.zones)) {
      const trouble = alarm.troubles[name] ?? null;
      if (zone.trouble !== trouble) this.updateZone(name, { trouble });
    }
    return true;
  }

  private readMusic(message: BusMessage): boolean {
    const { subject, payload } = safeSubject(message);
    const music = musicStateOf(subject, payload);
    if (music === null) return false;
    if (this.state.music !== null && JSON.stringify(this.state.music) === JSON.stringify(music)) return true;
    this.state.music = music;
    this.onChange({ section: "music", value: music });
    return true;
  }

  private updateZone(name: string, change: Partial<ZoneSection>): void {
    const zone = this.state.zones[name];
    if (zone === undefined) return;
    const next = { ...zone, ...change };
    if (next.open === zone.open && next.trouble === zone.trouble) return;
    this.state.zones[name] = next;
    this.onChange({ section: "zones", name, value: next });
  }
}

function safeSubject(message: BusMessage): { subject: string; payload: unknown } {
  try {
    return parseSubject(message);
  } catch {
    return { subject: "", payload: undefined };
  }
}

function sameAlarm(a: AlarmSection, b: AlarmSection): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

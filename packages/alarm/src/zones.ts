import type { AlarmConfig, AlarmStateName, ArmMode, ZoneConfig } from "./types.js";

/** A zone's name in states, events and the audit: its `name`, else its sensor id. */
export function zoneNameOf(zone: ZoneConfig): string {
  return zone.name ?? zone.sensor;
}

/** The configured zone of that name, or undefined. */
export function findZone(config: AlarmConfig, name: string): ZoneConfig | undefined {
  return config.zones.find((zone) => zoneNameOf(zone) === name);
}

/** 24h and tamper zones are watched in every state, disarmed included, whatever their `modes`. */
export function isAlwaysWatched(zone: ZoneConfig): boolean {
  return zone.type === "24h" || zone.type === "tamper";
}

/**
 * Whether the zone can raise an alarm in this arm mode (null: disarmed): 24h and tamper always,
 * chime never, the others when their `modes` list it.
 */
export function isWatched(zone: ZoneConfig, mode: ArmMode | null): boolean {
  if (isAlwaysWatched(zone)) return true;
  if (zone.type === "chime" || mode === null) return false;
  return zone.modes.includes(mode);
}

/**
 * Swinger shutdown: whether the zone has triggered `maxTriggersPerZone` times in this armed cycle
 * and is ignored until a disarm. Never a 24h or tamper zone: a smoke detector or a tamper switch
 * must not be silenced by counting.
 */
export function isShutDown(zone: ZoneConfig, triggers: Readonly<Record<string, number>>, config: AlarmConfig): boolean {
  return !isAlwaysWatched(zone) && (triggers[zoneNameOf(zone)] ?? 0) >= config.maxTriggersPerZone;
}

/** The names of the zones shut down now (see {@link isShutDown}). */
export function shutDownZones(triggers: Readonly<Record<string, number>>, config: AlarmConfig): string[] {
  return config.zones.filter((zone) => isShutDown(zone, triggers, config)).map(zoneNameOf);
}

/** The entry delay an `entry` zone starts, in seconds. */
export function entryDelayOf(zone: ZoneConfig, config: AlarmConfig): number {
  return zone.entryDelayS ?? config.entryDelayS;
}

/** The armed state of a mode. */
export function armedStateOf(mode: ArmMode): AlarmStateName {
  return `armed_${mode}`;
}

/** A sorted copy without repeats: the state's lists are compared and shown, so keep them canonical. */
export function sortedSet(names: Iterable<string>): string[] {
  return [...new Set(names)].sort();
}

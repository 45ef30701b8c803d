import { emit, modeField, type Draft } from "./draft.js";
import type { AlarmState, ZoneConfig } from "./types.js";
import { armedStateOf, entryDelayOf, findZone, isAlwaysWatched, isShutDown, isWatched, sortedSet, zoneNameOf } from "./zones.js";

const ZONE_SOURCE = "zone:";

/** A zone's name as the source of a state change: `:` is not allowed in a user's name, so the two never collide. */
export function zoneSource(zone: string): string {
  return `${ZONE_SOURCE}${zone}`;
}

/**
 * The entry zone whose delay runs while `pending`, named by the trigger when it runs out. It is
 * kept as the state's `changedBy` (`zone:front`), which nothing changes while pending (only
 * leaving pending does), rather than in a field of its own: the state file accepts exactly the
 * fields of types.ts's AlarmState (state-file.ts), so a new field would read back as corrupt.
 */
export function pendingZoneOf(state: AlarmState): string | undefined {
  if (state.state !== "pending" || !state.changedBy.startsWith(ZONE_SOURCE)) return undefined;
  return state.changedBy.slice(ZONE_SOURCE.length);
}

/** Into `triggered` now: the siren runs sirenMaxS from here. The mode stays (null from disarmed). */
export function enterTriggered(draft: Draft, changedBy: string): void {
  const s = draft.state;
  s.state = "triggered";
  s.triggeredAt = draft.now;
  s.endsAt = draft.now + draft.config.sirenMaxS * 1000;
  s.changedBy = changedBy;
}

/**
 * A zone raises the alarm: kept in the alarm memory and counted for swinger shutdown (24h and
 * tamper zones are not counted: they are never shut down). The trigger that reaches
 * `maxTriggersPerZone` says so once with `zone_shutdown`; the openings ignored after it say
 * nothing (a swinger would flood the audit), and the state's `shut_down` shows the zone.
 */
export function triggerZone(draft: Draft, zone: string): void {
  const s = draft.state;
  const config = findZone(draft.config, zone);
  const counted = config !== undefined && !isAlwaysWatched(config);
  if (counted) s.triggers[zone] = (s.triggers[zone] ?? 0) + 1;
  if (!s.memory.includes(zone)) s.memory.push(zone);
  enterTriggered(draft, zoneSource(zone));
  emit(draft, { kind: "trigger", source: "alarm", zone, ...modeField(s.mode) });
  if (counted && s.triggers[zone] === draft.config.maxTriggersPerZone) {
    const reason = `triggered ${draft.config.maxTriggersPerZone} times in this armed cycle (alarm.maxTriggersPerZone): ignored until disarmed`;
    emit(draft, { kind: "zone_shutdown", source: "alarm", zone, reason, ...modeField(s.mode) });
  }
}

/**
 * What a zone opening does in the current state (the open list is the caller's business).
 * Every `open` report counts, even for a zone already open: after a restart the remembered list
 * may be stale (the door closed and opened again while the alarm was down), and an opening
 * missed is worse than one seen twice. Every path that could see a repeat is idempotent anyway
 * (pending does not restart, a zone already in the memory is not recorded again while triggered,
 * zones open at arm or re-arm are bypassed).
 */
export function zoneOpening(draft: Draft, zone: ZoneConfig): void {
  const s = draft.state;
  const name = zoneNameOf(zone);
  if (!isWatched(zone, s.mode) || s.bypassed.includes(name)) return;
  // Swinger shutdown: at the limit the zone is ignored for the rest of the armed cycle, silently
  // (triggerZone said so once). 24h and tamper zones are never shut down.
  if (isShutDown(zone, s.triggers, draft.config)) return;
  const always = isAlwaysWatched(zone);
  switch (s.state) {
    case "disarmed":
    case "arming":
      // The exit delay ignores every zone but 24h/tamper: the person leaving walks through them.
      if (always) triggerZone(draft, name);
      return;
    case "armed_away":
    case "armed_home":
    case "armed_night":
      if (zone.type === "entry") startEntryDelay(draft, zone);
      else triggerZone(draft, name);
      return;
    case "pending":
      // The running entry delay covers followers and further entry zones, and never grows.
      if (zone.type !== "entry" && zone.type !== "follower") triggerZone(draft, name);
      return;
    case "triggered":
      // The siren already sounds and its time is not extended; a zone seen now is recorded in
      // the memory (where the intruder went) but not counted: a PIR that fires on every step of
      // one intruder must not shut its zone down for the re-armed system.
      if (!s.memory.includes(name)) {
        s.memory.push(name);
        emit(draft, { kind: "trigger", source: "alarm", zone: name, ...modeField(s.mode) });
      }
      return;
  }
}

function startEntryDelay(draft: Draft, zone: ZoneConfig): void {
  const s = draft.state;
  const name = zoneNameOf(zone);
  const delayS = entryDelayOf(zone, draft.config);
  if (delayS === 0) {
    triggerZone(draft, name);
    return;
  }
  s.state = "pending";
  s.endsAt = draft.now + delayS * 1000;
  s.changedBy = zoneSource(name);
  emit(draft, { kind: "pending", source: "alarm", zone: name, until: s.endsAt, ...modeField(s.mode) });
}

/**
 * The exit delay is over: armed. A zone still open now is taken as if it opened at this moment,
 * entry zones first (shortest delay first): the exit door left open starts the entry delay,
 * which covers the followers behind it; an instant zone open now, or a follower with no entry
 * delay running, triggers. `changedBy` stays the user who armed: the armed state is theirs (HA
 * and the dashboard show "armed by alice"), the timer only carried it out.
 */
export function exitDelayOver(draft: Draft): void {
  const s = draft.state;
  const mode = s.mode ?? "away"; // an arming state without a mode is damaged: never fall back to disarmed
  s.mode = mode;
  s.state = armedStateOf(mode);
  s.endsAt = null;
  emit(draft, { kind: "armed", source: "alarm", mode });
  const open = s.open.flatMap((name) => findZone(draft.config, name) ?? []);
  const rank = (zone: ZoneConfig) => (zone.type === "entry" ? entryDelayOf(zone, draft.config) : Number.POSITIVE_INFINITY);
  for (const zone of open.sort((a, b) => rank(a) - rank(b))) zoneOpening(draft, zone);
}

/** The entry delay ran out: the zone that started it triggers. */
export function entryDelayOver(draft: Draft): void {
  const zone = pendingZoneOf(draft.state);
  if (zone !== undefined) {
    triggerZone(draft, zone);
    return;
  }
  enterTriggered(draft, "alarm");
  emit(draft, { kind: "trigger", source: "alarm", ...modeField(draft.state.mode) });
}

/**
 * The siren ran sirenMaxS: disarmed with `disarmAfterTrigger` (or when it sounded from disarmed,
 * a 24h zone or a panic), else back to the armed mode with every zone still open bypassed and
 * named. The trigger counts stay while re-armed (a swinger keeps its count until a person
 * disarms); back to disarmed, the armed cycle is over and they go with it, as with a disarm.
 */
export function sirenOver(draft: Draft): void {
  const s = draft.state;
  const mode = s.mode;
  emit(draft, { kind: "siren_timeout", source: "alarm", ...modeField(mode) });
  s.endsAt = null;
  s.triggeredAt = null;
  s.changedBy = "alarm";
  if (mode === null || draft.config.disarmAfterTrigger) {
    s.state = "disarmed";
    s.mode = null;
    s.bypassed = [];
    s.triggers = {};
    return;
  }
  s.state = armedStateOf(mode);
  const stillOpen = s.open.filter((name) => {
    const zone = findZone(draft.config, name);
    return zone !== undefined && isWatched(zone, mode) && !s.bypassed.includes(name);
  });
  s.bypassed = sortedSet([...s.bypassed, ...stillOpen]);
  emit(draft, { kind: "rearm", source: "alarm", mode, zones: sortedSet(stillOpen) });
}

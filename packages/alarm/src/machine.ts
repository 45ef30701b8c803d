/**
 * The alarm's state machine: pure, no I/O, no clock of its own. The service feeds it inputs with
 * the time (epoch ms), publishes and audits the events it returns, writes the state it returns,
 * and calls `step(…, {kind: "tick"}, …)` at `nextDeadline()`. Codes never reach it: the service
 * checks a code first (unless `isLockedOut`) and passes who it was, or `bad_code`.
 */
import { arm, badCode, bypass, disarm, panic } from "./code-inputs.js";
import { copyState, emit, finish, modeField, startDraft, type Draft } from "./draft.js";
import type { AlarmConfig, AlarmInput, AlarmState, Step } from "./types.js";
import { entryDelayOver, exitDelayOver, pendingZoneOf, sirenOver, zoneOpening } from "./zone-events.js";
import { entryDelayOf, findZone, sortedSet } from "./zones.js";

export { isLockedOut } from "./lockout.js";
export { publicView, type AlarmView } from "./public-view.js";
export { zoneNameOf } from "./zones.js";

/** A trouble's text comes from a sensor's fault message on the bus: kept short in the state and the audit. */
const MAX_TROUBLE_CHARS = 200;
/** How a sensor's own fault's trouble begins (@roomguard/bus sensorSignal): the sensor's next normal word clears it. */
const SENSOR_FAULT = "sensor fault";

/** The first start: disarmed, nothing open, nothing remembered. */
export function initialState(): AlarmState {
  return {
    state: "disarmed",
    mode: null,
    endsAt: null,
    triggeredAt: null,
    changedBy: "alarm",
    bypassed: [],
    triggers: {},
    memory: [],
    lockout: { failures: 0, until: null },
    open: [],
    troubles: {},
  };
}

/**
 * One input at `now` (epoch ms): the new state, the events in order (`at` = now), `chime` when a
 * chime zone opened while disarmed, and `refused` with the reason when the input is refused.
 * `state` is never changed: a change comes back as a new object, and an input that changes
 * nothing (a refusal, a sensor repeating itself, a tick before any deadline) returns `state`
 * itself, so `result.state !== state` says whether there is anything to store and publish (events
 * may come either way). Zones are named as in `zoneNameOf`; inputs about a zone not in
 * `config.zones` change nothing.
 */
export function step(state: AlarmState, input: AlarmInput, now: number, config: AlarmConfig): Step {
  switch (input.kind) {
    case "arm":
      return arm(state, input, now, config);
    case "disarm":
      return disarm(state, input, now, config);
    case "bypass":
      return bypass(state, input, now, config);
    case "bad_code":
      return badCode(state, input, now, config);
    case "panic":
      return panic(state, input, now, config);
    case "zone":
      return zoneReport(startDraft(state, now, config), input.zone, input.open);
    case "trouble":
      return trouble(startDraft(state, now, config), input.zone, input.why.slice(0, MAX_TROUBLE_CHARS));
    case "trouble_cleared":
      return troubleCleared(startDraft(state, now, config), input.zone);
    case "sensor_ok":
      // Decided here, in order with the fault it answers, not by the caller from a state that
      // may not have taken the fault yet.
      if (!(troubleOf(state, input.zone)?.startsWith(SENSOR_FAULT) ?? false)) return { state, events: [] };
      return troubleCleared(startDraft(state, now, config), input.zone);
    case "tick":
      return tick(startDraft(state, now, config));
  }
}

function zoneReport(draft: Draft, name: string, open: boolean): Step {
  const s = draft.state;
  const zone = findZone(draft.config, name);
  // Not a configured zone: nothing to track (and the state stays bounded whatever the bus says).
  if (zone === undefined) return finish(draft);
  const wasOpen = s.open.includes(name);
  if (!open) {
    s.open = s.open.filter((other) => other !== name);
    return finish(draft);
  }
  if (!wasOpen) s.open = sortedSet([...s.open, name]);
  // The chime is for a door that opens, not a sensor repeating that it is open.
  if (zone.type === "chime") {
    if (s.state === "disarmed" && !wasOpen) draft.chime = name;
  } else {
    zoneOpening(draft, zone);
  }
  return finish(draft);
}

function trouble(draft: Draft, zone: string, why: string): Step {
  const s = draft.state;
  if (findZone(draft.config, zone) === undefined || s.troubles[zone] === why) return finish(draft);
  s.troubles[zone] = why;
  emit(draft, { kind: "trouble", source: "alarm", zone, reason: why });
  return finish(draft);
}

/** The zone's trouble, if it has one (own keys only: a zone named `constructor` has none). */
function troubleOf(state: AlarmState, zone: string): string | undefined {
  return Object.hasOwn(state.troubles, zone) ? state.troubles[zone] : undefined;
}

function troubleCleared(draft: Draft, zone: string): Step {
  const s = draft.state;
  if (troubleOf(s, zone) === undefined) return finish(draft);
  delete s.troubles[zone];
  emit(draft, { kind: "trouble_cleared", source: "alarm", zone });
  return finish(draft);
}

/** The end of the running countdown, whatever state it belongs to; null without one. */
function countdownEnd(state: AlarmState, config: AlarmConfig): number | null {
  switch (state.state) {
    case "arming":
    case "pending":
      return state.endsAt;
    case "triggered":
      return state.endsAt ?? (state.triggeredAt ?? 0) + config.sirenMaxS * 1000;
    default:
      return null;
  }
}

function tick(draft: Draft): Step {
  const s = draft.state;
  if (s.lockout.until !== null && draft.now >= s.lockout.until) s.lockout = { ...s.lockout, until: null };
  const end = countdownEnd(s, draft.config);
  if (end === null || draft.now < end) return finish(draft);
  if (s.state === "arming") exitDelayOver(draft);
  else if (s.state === "pending") entryDelayOver(draft);
  else sirenOver(draft);
  return finish(draft);
}

/**
 * When the service must call `step(…, {kind: "tick"}, …)` (epoch ms): the end of the exit or
 * entry delay or of the siren, or the end of the lockout (so the state shows it lifted); null
 * when nothing is due. A deadline already past is returned as is: tick at once.
 */
export function nextDeadline(state: AlarmState, config: AlarmConfig): number | null {
  const deadlines = [countdownEnd(state, config), state.lockout.until].filter((at) => at !== null);
  return deadlines.length === 0 ? null : Math.min(...deadlines);
}

/**
 * After a restart (crash, power cut): a countdown that ended while the alarm was down is acted on
 * now (exit delay → armed, entry delay → triggered with the full siren time from now, siren past
 * sirenMaxS → re-armed or disarmed), one still running continues with the time it has left.
 * Emits `restart` first. A Pi has no real-time clock and may boot with a clock that is behind
 * (fake-hwclock): no countdown is left longer than its configured length from `now`, so a clock
 * that went back cannot stretch an entry delay or a lockout.
 */
export function resume(state: AlarmState, now: number, config: AlarmConfig): Step {
  const s = copyState(state);
  const cap = (at: number | null, lengthS: number) => Math.min(at ?? now + lengthS * 1000, now + lengthS * 1000);
  if (s.state === "arming") s.endsAt = cap(s.endsAt, config.exitDelayS);
  if (s.state === "pending") {
    const name = pendingZoneOf(s);
    const zone = name === undefined ? undefined : findZone(config, name);
    s.endsAt = cap(s.endsAt, zone === undefined ? config.entryDelayS : entryDelayOf(zone, config));
  }
  if (s.state === "triggered") {
    const sirenMs = config.sirenMaxS * 1000;
    s.endsAt = cap(s.triggeredAt === null ? null : s.triggeredAt + sirenMs, config.sirenMaxS);
    s.triggeredAt = s.endsAt - sirenMs;
  }
  if (s.lockout.until !== null) s.lockout = { ...s.lockout, until: cap(s.lockout.until, config.lockout.maxS) };
  const draft = startDraft(s, now, config);
  emit(draft, { kind: "restart", source: "alarm", reason: `resumed ${state.state}`, ...modeField(state.mode) });
  return tick(draft);
}

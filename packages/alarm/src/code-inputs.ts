import { emit, finish, modeField, refusal, startDraft, type Asker, type Draft } from "./draft.js";
import { isLockedOut, lockoutMs } from "./lockout.js";
import type { AlarmConfig, AlarmEvent, AlarmInput, AlarmState, ArmMode, Step } from "./types.js";
import { enterTriggered } from "./zone-events.js";
import { armedStateOf, findZone, isWatched, sortedSet, zoneNameOf } from "./zones.js";

type InputOf<K extends AlarmInput["kind"]> = Extract<AlarmInput, { kind: K }>;

function lockedReason(state: AlarmState): string {
  return `code entry locked until ${new Date(state.lockout.until ?? 0).toISOString()}`;
}

/**
 * Why a list of zone names from a request is refused, or undefined when every name is a
 * configured zone. The unknown names are counted, never quoted: the reason goes into the audit
 * and `ALARM: event`, and a client's text may be anything (up to 256 long names, or a code typed
 * in the wrong field). The configured zones, which are public, are named instead.
 */
function unknownZonesReason(names: readonly string[], config: AlarmConfig): string | undefined {
  const unknown = new Set(names.filter((name) => findZone(config, name) === undefined)).size;
  if (unknown === 0) return undefined;
  return `${unknown} unknown zone${unknown === 1 ? "" : "s"} (the zones are: ${config.zones.map(zoneNameOf).join(", ")})`;
}

/**
 * The silent alert of a duress code, whatever it was used for and whether or not the action is
 * refused: the person may be coerced whatever state the alarm is in. Not while locked out: no
 * code was checked then.
 */
function duressEvents(duress: boolean | undefined, asker: Asker, now: number): AlarmEvent[] {
  return duress === true ? [{ kind: "duress", at: now, ...asker }] : [];
}

/** A code was right: the wrong codes in a row start again from zero. */
function codeAccepted(draft: Draft, user: string): void {
  draft.state.lockout = { failures: 0, until: null };
  draft.state.changedBy = user;
}

/**
 * Zones that keep the alarm from arming in `mode`: watched and not bypassed, and in trouble or
 * open. An open entry or follower zone does not block while there is an exit delay: that is the
 * door the person arming is about to leave by (and the hall they cross); the end of the exit
 * delay deals with it if it is still open (zone-events.ts, exitDelayOver).
 */
function zonesNotReady(state: AlarmState, mode: ArmMode, config: AlarmConfig): Array<{ zone: string; why: string }> {
  const notReady: Array<{ zone: string; why: string }> = [];
  for (const zone of config.zones) {
    const name = zoneNameOf(zone);
    if (!isWatched(zone, mode) || state.bypassed.includes(name)) continue;
    const trouble = state.troubles[name];
    const exitRoute = (zone.type === "entry" || zone.type === "follower") && config.exitDelayS > 0;
    if (trouble !== undefined) notReady.push({ zone: name, why: `in trouble (${trouble})` });
    else if (state.open.includes(name) && !exitRoute) notReady.push({ zone: name, why: "open" });
  }
  return notReady;
}

/** Arm `mode` from disarmed: the exit delay, or armed at once without one. A duress code arms the same, plus the event. */
export function arm(state: AlarmState, input: InputOf<"arm">, now: number, config: AlarmConfig): Step {
  const asker: Asker = { user: input.user, source: input.source };
  const action = `arm ${input.mode}`;
  if (isLockedOut(state, now)) return refusal(state, now, action, lockedReason(state), asker);
  const duress = duressEvents(input.duress, asker, now);
  if (!config.modes.includes(input.mode)) {
    return refusal(state, now, action, `mode ${input.mode} is not offered (alarm.modes: ${config.modes.join(", ")})`, asker, duress);
  }
  if (state.state !== "disarmed") {
    let reason = `disarm first (the alarm is ${state.state})`;
    if (state.state === armedStateOf(input.mode)) reason = `already ${state.state}`;
    if (state.state === "arming" && state.mode === input.mode) reason = `already arming ${input.mode}`;
    return refusal(state, now, action, reason, asker, duress);
  }
  const named = Array.isArray(input.bypass) ? input.bypass : [];
  const unknown = unknownZonesReason(named, config);
  if (unknown !== undefined) return refusal(state, now, action, unknown, asker, duress);
  const notReady = zonesNotReady(state, input.mode, config);
  const toBypass = input.bypass === "open" ? notReady.map((entry) => entry.zone) : named;
  const blocking = notReady.filter((entry) => !toBypass.includes(entry.zone));
  if (blocking.length > 0) {
    const list = blocking.map((entry) => `${entry.zone} ${entry.why}`).join(", ");
    return refusal(state, now, action, `zones not ready: ${list} (bypass them to arm anyway)`, asker, duress);
  }

  const draft = startDraft(state, now, config);
  const s = draft.state;
  const newlyBypassed = sortedSet(toBypass).filter((zone) => !s.bypassed.includes(zone));
  s.bypassed = sortedSet([...s.bypassed, ...newlyBypassed]);
  // A new armed cycle: the memory of the last one and the swinger counts start afresh.
  s.memory = [];
  s.triggers = {};
  s.mode = input.mode;
  s.triggeredAt = null;
  codeAccepted(draft, input.user);
  if (newlyBypassed.length > 0) emit(draft, { kind: "bypass", ...asker, zones: newlyBypassed, mode: input.mode });
  emit(draft, { kind: "arm", ...asker, mode: input.mode });
  if (config.exitDelayS === 0) {
    s.state = armedStateOf(input.mode);
    s.endsAt = null;
    emit(draft, { kind: "armed", source: "alarm", mode: input.mode });
  } else {
    s.state = "arming";
    s.endsAt = now + config.exitDelayS * 1000;
  }
  draft.events.push(...duress);
  return finish(draft);
}

/** Disarm from any armed, arming, pending or triggered state; a duress code does exactly the same, plus the event. */
export function disarm(state: AlarmState, input: InputOf<"disarm">, now: number, config: AlarmConfig): Step {
  const asker: Asker = { user: input.user, source: input.source };
  if (isLockedOut(state, now)) return refusal(state, now, "disarm", lockedReason(state), asker);
  const duress = duressEvents(input.duress, asker, now);
  // Already disarmed: refused like any code, but a duress code still raises the silent alert:
  // the person may be coerced whatever state the alarm is in.
  if (state.state === "disarmed") return refusal(state, now, "disarm", "already disarmed", asker, duress);
  const draft = startDraft(state, now, config);
  const s = draft.state;
  const mode = s.mode;
  s.state = "disarmed";
  s.mode = null;
  s.endsAt = null;
  s.triggeredAt = null;
  s.bypassed = [];
  s.triggers = {};
  codeAccepted(draft, input.user);
  emit(draft, { kind: "disarm", ...asker, ...modeField(mode) });
  draft.events.push(...duress);
  return finish(draft);
}

/** Bypass zones for the next arm cycle (from disarmed only: what is bypassed is decided before arming). */
export function bypass(state: AlarmState, input: InputOf<"bypass">, now: number, config: AlarmConfig): Step {
  const asker: Asker = { user: input.user, source: input.source };
  if (isLockedOut(state, now)) return refusal(state, now, "bypass", lockedReason(state), asker);
  const duress = duressEvents(input.duress, asker, now);
  if (state.state !== "disarmed") return refusal(state, now, "bypass", `disarm first (the alarm is ${state.state})`, asker, duress);
  if (input.zones.length === 0) return refusal(state, now, "bypass", "no zones named", asker, duress);
  const unknown = unknownZonesReason(input.zones, config);
  if (unknown !== undefined) return refusal(state, now, "bypass", unknown, asker, duress);
  const draft = startDraft(state, now, config);
  const s = draft.state;
  const newlyBypassed = sortedSet(input.zones).filter((zone) => !s.bypassed.includes(zone));
  s.bypassed = sortedSet([...s.bypassed, ...newlyBypassed]);
  codeAccepted(draft, input.user);
  if (newlyBypassed.length > 0) emit(draft, { kind: "bypass", ...asker, zones: newlyBypassed });
  draft.events.push(...duress);
  return finish(draft);
}

/** A wrong code: counted, and past `lockout.attempts` code entry locks (doubling, capped). */
export function badCode(state: AlarmState, input: InputOf<"bad_code">, now: number, config: AlarmConfig): Step {
  // Locked: not counted (the service should not have checked a code at all).
  if (isLockedOut(state, now)) return refusal(state, now, "code", lockedReason(state), { source: input.source });
  const draft = startDraft(state, now, config);
  const failures = state.lockout.failures + 1;
  const lockMs = lockoutMs(failures, config);
  draft.state.lockout = { failures, until: lockMs > 0 ? now + lockMs : null };
  emit(draft, { kind: "bad_code", source: input.source, attempts: failures });
  if (lockMs > 0) emit(draft, { kind: "lockout", source: input.source, attempts: failures, until: now + lockMs });
  return finish(draft);
}

/** Panic: triggered at once from any state, no code, locked out or not. */
export function panic(state: AlarmState, input: InputOf<"panic">, now: number, config: AlarmConfig): Step {
  const draft = startDraft(state, now, config);
  // Already triggered: the siren sounds; the panic is recorded but does not extend it.
  if (state.state !== "triggered") enterTriggered(draft, input.user ?? input.source);
  const who = input.user === undefined ? { source: input.source } : { user: input.user, source: input.source };
  emit(draft, { kind: "panic", ...who, ...modeField(draft.state.mode) });
  return finish(draft);
}

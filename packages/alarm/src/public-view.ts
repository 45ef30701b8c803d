import { isLockedOut } from "./lockout.js";
import type { AlarmConfig, AlarmState, AlarmStateName, ArmMode } from "./types.js";
import { armedStateOf, shutDownZones, sortedSet } from "./zones.js";

/** The JSON of `ALARM: <state> {…}` (docs/protocol.md): facts anyone may see, never a code. */
export interface AlarmView {
  mode: ArmMode | null;
  /** While arming or pending: the state the countdown leads to; else null. */
  next_state: AlarmStateName | null;
  /** Seconds left of the exit or entry delay, rounded up; null without one. */
  delay_s: number | null;
  /** When the exit or entry delay ends, ISO; null without one. */
  ends_at: string | null;
  /** A user's name, or a source (`alarm`, `zone:<name>`, `keypad`…). */
  changed_by: string;
  open_zones: string[];
  bypassed: string[];
  /** Zones that reached `maxTriggersPerZone` (swinger shutdown): ignored for the rest of the armed cycle. */
  shut_down: string[];
  /** Zone → why it is in trouble. */
  troubles: Record<string, string>;
  /** Zones that triggered in the last armed cycle (kept after disarm until the next arm). */
  memory: string[];
  /** Until when code entry is locked, ISO; null when it is not locked. */
  lockout_until: string | null;
}

/**
 * The payload of `ALARM: <state.state> {…}` at `now` (epoch ms). Only the exit and entry delays
 * are countdowns here (what a keypad or dashboard shows as "leave now" / "disarm now"); the
 * siren's own limit is not a state the user waits for, so `triggered` has no `delay_s`.
 */
export function publicView(state: AlarmState, now: number, config: AlarmConfig): AlarmView {
  const endsAt = state.state === "arming" || state.state === "pending" ? state.endsAt : null;
  const lockedUntil = isLockedOut(state, now) ? state.lockout.until : null;
  let nextState: AlarmStateName | null = null;
  if (state.state === "arming") nextState = armedStateOf(state.mode ?? "away");
  if (state.state === "pending") nextState = "triggered";
  return {
    mode: state.mode,
    next_state: nextState,
    delay_s: endsAt === null ? null : Math.ceil(Math.max(0, endsAt - now) / 1000),
    ends_at: endsAt === null ? null : new Date(endsAt).toISOString(),
    changed_by: state.changedBy,
    open_zones: sortedSet(state.open),
    bypassed: sortedSet(state.bypassed),
    shut_down: sortedSet(shutDownZones(state.triggers, config)),
    troubles: { ...state.troubles },
    memory: [...state.memory],
    lockout_until: lockedUntil === null ? null : new Date(lockedUntil).toISOString(),
  };
}

import { isDeepStrictEqual } from "node:util";
import type { AlarmConfig, AlarmEvent, AlarmState, ArmMode, Source, Step } from "./types.js";

/**
 * One step in the making: a private copy of the state that the step's parts change in place,
 * and what they emit. The caller's state is never touched (step() copies it first).
 */
export interface Draft {
  /** The state the step started from, as the caller gave it. */
  from: AlarmState;
  state: AlarmState;
  events: AlarmEvent[];
  now: number;
  config: AlarmConfig;
  chime?: string;
}

/** A copy that shares nothing with the state it came from. */
export function copyState(state: AlarmState): AlarmState {
  return structuredClone(state);
}

export function startDraft(state: AlarmState, now: number, config: AlarmConfig): Draft {
  return { from: state, state: copyState(state), events: [], now, config };
}

/**
 * The step's result. A draft that ended up equal to the state it came from gives back that very
 * object: the service stores and publishes only a state that is not the one it has (a sensor
 * repeating itself, a refusal, an empty tick would otherwise each cost two fsyncs and a publish).
 */
export function finish(draft: Draft): Step {
  const state = isDeepStrictEqual(draft.state, draft.from) ? draft.from : draft.state;
  const step: Step = { state, events: draft.events };
  if (draft.chime !== undefined) step.chime = draft.chime;
  return step;
}

/** Appends an event stamped with the step's time. */
export function emit(draft: Draft, event: Omit<AlarmEvent, "at">): void {
  draft.events.push({ ...event, at: draft.now });
}

/** `{ mode }` for an event, or nothing while disarmed. */
export function modeField(mode: ArmMode | null): { mode?: ArmMode } {
  return mode === null ? {} : { mode };
}

/** Who asked: a user's name when a code said who, and the source as given. */
export interface Asker {
  user?: string;
  source: Source;
}

/**
 * A refused input: the state unchanged (the same object), a `refused` event for the audit naming what was
 * refused and why, and the reason for the request's reply.
 */
export function refusal(state: AlarmState, now: number, action: string, reason: string, asker: Asker, extra: AlarmEvent[] = []): Step {
  const who = asker.user === undefined ? { source: asker.source } : { user: asker.user, source: asker.source };
  return {
    state,
    events: [{ kind: "refused", at: now, ...who, reason: `${action}: ${reason}` }, ...extra],
    refused: reason,
  };
}

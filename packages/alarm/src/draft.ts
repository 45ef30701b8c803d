import type { AlarmConfig, AlarmEvent, AlarmState, ArmMode, Source, Step } from "./types.js";

/**
 * One step in the making: a private copy of the state that the step's parts change in place,
 * and what they emit. The caller's state is never touched (step() copies it first).
 */
export interface Draft {
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
  return { state: copyState(state), events: [], now, config };
}

export function finish(draft: Draft): Step {
  const step: Step = { state: draft.state, events: draft.events };
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
 * A refused input: the state unchanged (a copy), a `refused` event for the audit naming what was
 * refused and why, and the reason for the request's reply.
 */
export function refusal(state: AlarmState, now: number, action: string, reason: string, asker: Asker, extra: AlarmEvent[] = []): Step {
  const who = asker.user === undefined ? { source: asker.source } : { user: asker.user, source: asker.source };
  return {
    state: copyState(state),
    events: [{ kind: "refused", at: now, ...who, reason: `${action}: ${reason}` }, ...extra],
    refused: reason,
  };
}

import type { Logger } from "@roomguard/runtime";
import { initialState } from "./machine.js";
import type { LoadResult } from "./state-file.js";
import type { AlarmConfig, AlarmEvent, AlarmState } from "./types.js";

/** The trouble shown after a start from an unreadable state file, until a user disarms. */
export const STATE_TROUBLE = "state";

/**
 * What the alarm starts from: the stored state (resumed by the service), a fresh disarmed one on
 * the very first start, and never `disarmed` from a bad file: `alarm.onCorruptState` then, with a
 * trouble, an event and an error in the log.
 */
export function startingState(
  loaded: LoadResult,
  config: AlarmConfig,
  now: number,
  log: Logger,
): { state: AlarmState; events: AlarmEvent[] } {
  if (loaded.kind === "ok") {
    if (loaded.problems === undefined) return { state: loaded.state, events: [] };
    // A torn state.json (a power cut mid-write) was set aside: the previous copy is the last acknowledged state.
    log.error("the state file was unreadable: it is kept aside and the previous copy is used", { problems: loaded.problems });
    return { state: loaded.state, events: [{ kind: "corrupt_state", at: now, source: "alarm", reason: clipped(loaded.problems) }] };
  }
  // The state file says so in the log.
  if (loaded.kind === "first-start") return { state: initialState(), events: [] };
  const how = config.onCorruptState;
  log.error(`no readable state file: starting as ${how} (alarm.onCorruptState); a user's code disarms`, { problems: loaded.problems });
  const base = initialState();
  const troubles = { ...base.troubles, [STATE_TROUBLE]: `the state file was unreadable: started as ${how}` };
  const state: AlarmState =
    how === "triggered"
      ? { ...base, state: "triggered", mode: "away", triggeredAt: now, endsAt: now + config.sirenMaxS * 1000, changedBy: "alarm", troubles }
      : how === "armed_away" || config.exitDelayS === 0
        ? { ...base, state: "armed_away", mode: "away", changedBy: "alarm", troubles }
        : { ...base, state: "arming", mode: "away", endsAt: now + config.exitDelayS * 1000, changedBy: "alarm", troubles };
  return { state, events: [{ kind: "corrupt_state", at: now, source: "alarm", reason: clipped(loaded.problems) }] };
}

function clipped(problems: string[]): string {
  return problems.join("; ").slice(0, 500);
}

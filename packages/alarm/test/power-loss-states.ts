// Alarm states told apart by a number: the power-loss writer saves stateForSeq(seq) as its seq-th
// state, so a loaded state can be checked against the one that was written under that number.
import type { AlarmState, AlarmStateName, ArmMode } from "../src/types.js";

const NAMES: readonly AlarmStateName[] = ["disarmed", "arming", "armed_away", "armed_home", "armed_night", "pending", "triggered"];
const MODES: readonly ArmMode[] = ["away", "home", "night"];

/** A valid AlarmState whose every field depends on `seq` (its size too, so files differ in length). */
export function stateForSeq(seq: number): AlarmState {
  const state = NAMES[seq % NAMES.length] ?? "armed_away";
  return {
    state,
    mode: state === "disarmed" ? null : (MODES[seq % MODES.length] ?? "away"),
    endsAt: seq % 2 === 0 ? null : 1_780_000_000_000 + seq,
    triggeredAt: state === "triggered" ? 1_780_000_000_000 - seq : null,
    changedBy: `writer #${seq}`,
    bypassed: seq % 3 === 0 ? [] : [`zone-${seq % 5}`],
    triggers: { front: seq % 4 },
    memory: seq % 4 === 0 ? ["hall"] : [],
    lockout: { failures: seq % 6, until: seq % 6 === 5 ? 1_780_000_000_000 + 30_000 : null },
    open: seq % 2 === 0 ? ["window"] : [],
    troubles: { pir: "x".repeat(seq % 40) },
  };
}

import { formatClock, formatWhen, stateWords } from "./format.js";
import { Panel } from "./panel.js";
import type { AlarmSection } from "./protocol.js";
import { secondsUntil } from "./state.js";

/** The colour family of a state: disarmed, arming, armed (any mode), pending, triggered, other. */
export function stateTone(state: string): string {
  if (state.startsWith("armed")) return "armed";
  if (state === "disarmed" || state === "arming" || state === "pending" || state === "triggered") return state;
  return "other";
}

function List(props: { label: string; items: string[] }) {
  if (props.items.length === 0) return null;
  return (
    <>
      <dt>{props.label}</dt>
      <dd>{props.items.join(", ")}</dd>
    </>
  );
}

/** The alarm's state, big and coloured, with its countdown and everything it reports. */
export function AlarmPanel(props: { alarm: AlarmSection | null; serverNowMs: number }) {
  const { alarm, serverNowMs } = props;
  if (alarm === null)
    return (
      <Panel id="alarm" title="Alarm">
        <p class="state-badge tone-other">unknown</p>
        <p>The alarm has not been heard from: it is not running, or not yet.</p>
      </Panel>
    );
  const left = secondsUntil(alarm.ends_at, serverNowMs);
  const lockoutLeft = secondsUntil(alarm.lockout_until, serverNowMs);
  const troubles = Object.entries(alarm.troubles).map(([zone, why]) => `${zone}: ${why}`);
  return (
    <Panel id="alarm" title="Alarm" class={`alarm tone-${stateTone(alarm.state)}`}>
      <p class={`state-badge tone-${stateTone(alarm.state)}`}>{stateWords(alarm.state)}</p>
      {left !== null && (
        <p class="countdown">
          <span class="countdown-figure">{formatClock(left)}</span>{" "}
          {alarm.next_state !== null ? `until ${stateWords(alarm.next_state)}` : "left"}
        </p>
      )}
      <dl class="facts">
        {alarm.mode !== null && (
          <>
            <dt>Mode</dt>
            <dd>{alarm.mode}</dd>
          </>
        )}
        <dt>Changed by</dt>
        <dd>{alarm.changed_by}</dd>
        <List label="Open zones" items={alarm.open_zones} />
        <List label="Bypassed" items={alarm.bypassed} />
        <List label="Shut down" items={alarm.shut_down} />
        <List label="Troubles" items={troubles} />
        <List label="Alarm memory" items={alarm.memory} />
        {alarm.lockout_until !== null && lockoutLeft !== null && lockoutLeft > 0 && (
          <>
            <dt>Code entry locked</dt>
            <dd>
              until {formatWhen(Date.parse(alarm.lockout_until), serverNowMs)} ({formatClock(lockoutLeft)})
            </dd>
          </>
        )}
      </dl>
    </Panel>
  );
}

/** History: the alarm's audit trail (asked at each connect) and the live events, newest first. */
import { useEffect, useRef, useState } from "preact/hooks";
import type { Send } from "./dashboard.js";
import { eventDetails, mergeEvents } from "./events.js";
import { formatWhen, stateWords } from "./format.js";
import { Panel } from "./panel.js";
import type { AlarmEventView } from "./protocol.js";

export function HistoryPanel(props: { events: AlarmEventView[]; send: Send; live: boolean; canAudit: boolean; serverNowMs: number }) {
  const [audit, setAudit] = useState<AlarmEventView[]>([]);
  const [problem, setProblem] = useState<string | null>(null);
  const send = useRef(props.send);
  send.current = props.send;

  useEffect(() => {
    if (!props.live || !props.canAudit) return;
    let cancelled = false;
    void send.current("audit", { limit: 100 }).then((outcome) => {
      if (cancelled) return;
      if (outcome.ok) {
        setAudit((outcome.result as { events?: AlarmEventView[] } | null)?.events ?? []);
        setProblem(null);
      } else setProblem(`The audit trail could not be read: ${outcome.message}`);
    });
    return () => {
      cancelled = true;
    };
  }, [props.live, props.canAudit]);

  const events = mergeEvents(audit, props.events, 100);
  return (
    <Panel id="history" title="History">
      {problem !== null && <p class="notice error">{problem}</p>}
      {events.length === 0 ? (
        <p>No events yet.</p>
      ) : (
        <ol class="events" tabIndex={0} aria-label="Events, newest first">
          {events.map((event, index) => {
            const at = Date.parse(event.at);
            const zone = event.zone;
            return (
              <li key={`${event.at}-${event.kind}-${index}`} class={`event kind-${event.kind}`}>
                <time dateTime={event.at}>{Number.isNaN(at) ? event.at : formatWhen(at, props.serverNowMs)}</time>
                <strong>{stateWords(event.kind)}</strong>
                <span class="muted">
                  {[
                    event.user !== undefined ? `by ${event.user}` : "",
                    event.source ?? "",
                    zone !== undefined ? `zone ${zone}` : "",
                    ...eventDetails(event),
                  ]
                    .filter((part) => part !== "")
                    .join(" · ")}
                </span>
              </li>
            );
          })}
        </ol>
      )}
    </Panel>
  );
}

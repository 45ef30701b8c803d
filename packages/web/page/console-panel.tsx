/**
 * The admin's message console: the journal filtered by topic, text and time, newest first,
 * "load older" paging back from the oldest shown, and a live view asking every 2 s for what
 * came after the newest.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import type { Send } from "./dashboard.js";
import { formatWhen } from "./format.js";
import { journalArgs, mergeRecords, messageText, type JournalFilter, type JournalRecord } from "./journal.js";
import { NoticeLine, Panel, type Notice } from "./panel.js";

const POLL_MS = 2000;

type Answer = { records?: JournalRecord[]; next?: number | null } | null;

export function ConsolePanel(props: { send: Send; live: boolean; serverNowMs: number }) {
  const [filter, setFilter] = useState<JournalFilter>({ topic: "", text: "", since: "", until: "" });
  const [applied, setApplied] = useState<JournalFilter | null>(null);
  const [records, setRecords] = useState<JournalRecord[]>([]);
  const [hasOlder, setHasOlder] = useState(false);
  const [following, setFollowing] = useState(false);
  const [notice, setNotice] = useState<Notice | null>(null);
  const [busy, setBusy] = useState(false);
  const send = useRef(props.send);
  send.current = props.send;
  const newest = useRef<number | undefined>(undefined);
  newest.current = records[0]?.seq;

  const ask = async (args: Record<string, unknown>): Promise<Answer | undefined> => {
    const outcome = await send.current("journal", args);
    if (!outcome.ok) {
      setNotice({ ok: false, text: outcome.message });
      return undefined;
    }
    setNotice(null);
    return outcome.result as Answer;
  };

  const search = async (event?: Event) => {
    event?.preventDefault();
    setBusy(true);
    const answer = await ask(journalArgs(filter));
    setBusy(false);
    if (answer === undefined) return;
    setApplied(filter);
    setRecords(mergeRecords([], answer?.records ?? []));
    setHasOlder(answer?.next != null);
  };

  const loadOlder = async () => {
    const oldest = records[records.length - 1]?.seq;
    if (applied === null || oldest === undefined) return;
    setBusy(true);
    const answer = await ask(journalArgs(applied, { before: oldest }));
    setBusy(false);
    if (answer === undefined) return;
    setRecords((current) => mergeRecords(current, answer?.records ?? []));
    setHasOlder(answer?.next != null);
  };

  useEffect(() => {
    if (!following || !props.live) return;
    const current = applied ?? filter;
    let stopped = false;
    const poll = async () => {
      const after = newest.current;
      const answer = await ask(journalArgs(current, after === undefined ? {} : { after }));
      if (stopped || answer === undefined) return;
      setRecords((shown) => mergeRecords(shown, answer?.records ?? []));
    };
    void poll();
    const timer = setInterval(() => void poll(), POLL_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
    // The filter in force when live was turned on (or last searched) is the one followed.
  }, [following, props.live, applied]);

  const field = (key: keyof JournalFilter) => ({
    value: filter[key],
    onInput: (event: { currentTarget: HTMLInputElement }) => setFilter((current) => ({ ...current, [key]: event.currentTarget.value })),
  });
  const offline = !props.live;

  return (
    <Panel id="console" title="Message console">
      <form class="console-form" onSubmit={(event) => void search(event)}>
        <div class="field">
          <label for="journal-topic">Topic</label>
          <input id="journal-topic" placeholder="e.g. ALARM" autocapitalize="characters" {...field("topic")} />
        </div>
        <div class="field">
          <label for="journal-text">Text contains</label>
          <input id="journal-text" {...field("text")} />
        </div>
        <div class="field">
          <label for="journal-since">From</label>
          <input id="journal-since" type="datetime-local" step={1} {...field("since")} />
        </div>
        <div class="field">
          <label for="journal-until">Until</label>
          <input id="journal-until" type="datetime-local" step={1} {...field("until")} />
        </div>
        <div class="field-row">
          <button type="submit" class="primary" disabled={offline || busy}>
            Search
          </button>
          <label class="check">
            <input type="checkbox" checked={following} disabled={offline} onChange={(event) => setFollowing(event.currentTarget.checked)} />
            Live (every 2 s)
          </label>
        </div>
      </form>
      <NoticeLine notice={notice} />
      {applied === null && records.length === 0 ? (
        <p class="hint">Search to see the bus's messages.</p>
      ) : records.length === 0 ? (
        <p>No message matches.</p>
      ) : (
        <div class="log" role="region" aria-label="Messages" tabIndex={0}>
          <ol>
            {records.map((record) => (
              <li key={record.seq}>
                <time class="muted">{formatWhen(record.at, props.serverNowMs)}</time> <code>{messageText(record.message)}</code>
              </li>
            ))}
          </ol>
        </div>
      )}
      {hasOlder && (
        <button type="button" disabled={offline || busy} onClick={() => void loadOlder()}>
          Load older
        </button>
      )}
    </Panel>
  );
}

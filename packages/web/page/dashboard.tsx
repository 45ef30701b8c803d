/**
 * The logged-in page: the connection, the state it feeds, the header and every panel. Data is
 * dimmed whenever it may be old (socket down or quiet, no snapshot yet) and replaced by the
 * next snapshot when the socket is back.
 */
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { fetchSession, logOut, type Who } from "./api.js";
import { AlarmPanel } from "./alarm-panel.js";
import { ConnectionBanner } from "./connection-banner.js";
import { createConnection, type Connection, type ConnectionStatus, type SocketLike } from "./connection.js";
import { ConsolePanel } from "./console-panel.js";
import { stateWords } from "./format.js";
import { HistoryPanel } from "./history-panel.js";
import { Keypad } from "./keypad.js";
import { MusicPanel } from "./music-panel.js";
import { PROTOCOL_VERSION, type Command } from "./protocol.js";
import { SensorsPanel } from "./sensors-panel.js";
import { ServicesPanel } from "./services-panel.js";
import { SimPanel } from "./sim-panel.js";
import { EMPTY_PAGE, applyMessage, isAllowed, serverNowMs, type PageState } from "./state.js";
import { useNow } from "./use-now.js";
import { ZonesPanel } from "./zones-panel.js";

/** What a panel gets to ask the gateway. */
export type Send = Connection["request"];

const RELOADED_KEY = "roomguard.reloadedForVersion";

/** The browser's WebSocket to /ws (wss: under https) behind connection.ts's small interface. */
function openSocket(): SocketLike {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const socket = new WebSocket(`${scheme}//${location.host}/ws`);
  const like: SocketLike = {
    onopen: null,
    onmessage: null,
    onclose: null,
    onerror: null,
    send: (text) => socket.send(text),
    close: (code, reason) => socket.close(code, reason),
  };
  socket.onopen = () => like.onopen?.();
  socket.onmessage = (event) => like.onmessage?.({ data: event.data });
  socket.onclose = (event) => like.onclose?.({ code: event.code, reason: event.reason });
  socket.onerror = () => like.onerror?.();
  return like;
}

export function Dashboard(props: { who: Who; onLoggedOut: (notice: string | null) => void }) {
  const [page, setPage] = useState<PageState>(EMPTY_PAGE);
  const [status, setStatus] = useState<ConnectionStatus>({ kind: "connecting", attempt: 0 });
  const [announcement, setAnnouncement] = useState({ polite: "", assertive: "" });
  const [versionProblem, setVersionProblem] = useState<string | null>(null);
  const nowMs = useNow();
  const onLoggedOut = useRef(props.onLoggedOut);
  onLoggedOut.current = props.onLoggedOut;

  const connection = useMemo(
    () =>
      createConnection(
        {
          openSocket,
          nowMs: () => Date.now(),
          setTimer: (callback, ms) => setTimeout(callback, ms),
          clearTimer: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
        },
        {
          onMessage(message, receivedAtMs) {
            if (message.t === "hello" && message.v !== PROTOCOL_VERSION) {
              // A new gateway: the page reloads to get its own new version, once per version.
              if (sessionStorage.getItem(RELOADED_KEY) !== String(message.v)) {
                sessionStorage.setItem(RELOADED_KEY, String(message.v));
                location.reload();
              } else setVersionProblem(`The dashboard speaks protocol ${message.v}, this page ${PROTOCOL_VERSION}: reload the page.`);
              return;
            }
            setPage((current) => applyMessage(current, message, receivedAtMs));
          },
          onStatus: setStatus,
          onFailedConnect() {
            // A closed handshake may be a session that expired: the HTTP API says which.
            void fetchSession().then((answer) => {
              if ("who" in answer && answer.who === null) {
                connection.stop();
                onLoggedOut.current("Your session ended. Log in again.");
              }
            });
          },
        },
      ),
    [],
  );

  useEffect(() => {
    connection.start();
    const onVisible = () => {
      if (document.visibilityState === "visible") connection.retryNow();
    };
    document.addEventListener("visibilitychange", onVisible);
    window.addEventListener("online", onVisible);
    return () => {
      document.removeEventListener("visibilitychange", onVisible);
      window.removeEventListener("online", onVisible);
      connection.stop();
    };
  }, [connection]);

  useEffect(() => {
    if (status.kind === "ended") onLoggedOut.current("Your session ended. Log in again.");
  }, [status.kind]);

  // Alarm state changes are said aloud: a trigger at once, the others politely.
  const alarmState = page.dash?.alarm?.state;
  const lastState = useRef<string | undefined>(undefined);
  useEffect(() => {
    if (alarmState === undefined || alarmState === lastState.current) return;
    const first = lastState.current === undefined;
    lastState.current = alarmState;
    if (first) return;
    if (alarmState === "triggered") setAnnouncement({ polite: "", assertive: "Alarm triggered!" });
    else setAnnouncement({ polite: `Alarm ${stateWords(alarmState)}.`, assertive: "" });
  }, [alarmState]);

  const logout = async () => {
    connection.stop();
    await logOut();
    props.onLoggedOut(null);
  };

  const hello = page.hello;
  const dash = page.dash;
  const live = status.kind === "live" && page.synced;
  const serverNow = serverNowMs(page, nowMs);
  const may = (cmd: Command) => isAllowed(page, cmd);
  const send: Send = (cmd, args) => connection.request(cmd, args);
  const role = hello?.role ?? props.who.role;

  return (
    <>
      <header>
        <div class="top">
          <h1 class="brand">
            <img src="/icon.svg" alt="" width="28" height="28" />
            <span>roomguard</span>
          </h1>
          <p class="who">
            <span class="sr-only">Logged in as </span>
            <strong>{hello?.user ?? props.who.user}</strong> <span class={`role role-${role}`}>{role}</span>
          </p>
          <button type="button" class="logout" onClick={() => void logout()}>
            Log out
          </button>
        </div>
        {hello?.insecure === true && (
          <p class="banner danger">Plain HTTP: passwords cross the network readable. Set up TLS (web.tls) for this dashboard.</p>
        )}
        {versionProblem !== null && <p class="banner danger">{versionProblem}</p>}
        <p class="sr-only" aria-live="polite">
          {announcement.polite}
        </p>
        <p class="sr-only" aria-live="assertive">
          {announcement.assertive}
        </p>
      </header>
      <ConnectionBanner status={status} nowMs={nowMs} onRetry={() => connection.retryNow()} />
      <main id="main" class={live ? "grid" : "grid stale"} aria-busy={dash === null}>
        {dash === null ? (
          <p class="panel wide">{status.kind === "live" ? "Waiting for the dashboard's state…" : "No data yet."}</p>
        ) : (
          <>
            <div class="column">
              <AlarmPanel alarm={dash.alarm} serverNowMs={serverNow} />
              {(may("arm") || may("disarm") || may("panic")) && (
                <Keypad alarm={dash.alarm} zones={dash.zones} may={may} send={send} live={live} serverNowMs={serverNow} />
              )}
              <ZonesPanel zones={dash.zones} serverNowMs={serverNow} />
            </div>
            <div class="column">
              <SensorsPanel sensors={dash.sensors} send={send} live={live} canChart={may("history")} serverNowMs={serverNow} />
              <MusicPanel music={dash.music} send={send} live={live} may={may("music")} />
              <ServicesPanel services={dash.services} serverNowMs={serverNow} />
            </div>
            <div class="column">
              <HistoryPanel events={dash.events} send={send} live={live} canAudit={may("audit")} serverNowMs={serverNow} />
              {may("journal") && <ConsolePanel send={send} live={live} serverNowMs={serverNow} />}
              {hello?.sim === true && may("sim") && <SimPanel send={send} live={live} />}
            </div>
          </>
        )}
      </main>
    </>
  );
}

import type { BusMessage } from "@roomguard/bus";
import type { Logger } from "@roomguard/runtime";
import type { RawData, WebSocket } from "ws";
import { EVENTS_KEPT, PROTOCOL_VERSION, ROLE_COMMANDS, TICK_MS, type ServerMessage, type ServicesSection } from "../page/protocol.js";
import { ClientChannel } from "./client-channel.js";
import { DashboardStore, type StateChange, type ZoneConfig } from "./dashboard-state.js";
import { answerPageRequest, PageRequestError, parsePageRequest, type RequestBackends } from "./page-requests.js";
import type { SessionUser } from "./sessions.js";

/** A page's buffer past which its changes wait, latest per key (client-channel.ts). */
const HIGH_WATER_BYTES = 64 * 1024;
/** Requests of one page in flight at once; more are `busy`. */
const MAX_IN_FLIGHT = 4;

/** What the gateway needs. */
export interface WebServiceDeps {
  log: Logger;
  /** Whether the page is served without TLS off loopback: every page is told, to show a warning. */
  insecure: boolean;
  /** The hardware is simulated: admins may send `SIM:`. */
  sim: boolean;
  zones: readonly ZoneConfig[];
  sensorIds: readonly string[];
  backends: RequestBackends;
  /** A page with frames waiting this long is cut: it reconnects and starts from a snapshot (`web.clients.stallS`). */
  stallMs: number;
  /** Sensors, music and services reach a page at most this often (`web.clients.sensorFlushMs`): a burst on the bus is one frame per key. */
  batchMs: number;
  /** Whether a session (by id hash) still stands, marking it used (its page is open): SessionStore.isLive with touch. */
  isSessionLive(sessionHash: string): boolean;
  now?: () => number;
}

/** Counts for STATUS and the heartbeat. */
export interface GatewayStats {
  clients: number;
  /** Frames a slow page did not get because a later value or a snapshot replaced them. */
  coalesced: number;
  /** Pages cut for not reading. */
  cutSlow: number;
  /** The most bytes one page holds in the gateway now (client-channel.ts's backlog). */
  maxBacklogBytes: number;
  /** Bus messages not understood, by topic. */
  ignored: Record<string, number>;
}

/** The gateway behind the WebSocket: one per process. */
export interface WebService {
  /** Takes an authenticated socket (upgrade.ts's `onClient`). */
  onClient(socket: WebSocket, who: SessionUser, sessionHash: string): void;
  /** A message from the bus (the topics of DASHBOARD_TOPICS). */
  take(message: BusMessage): void;
  /** The launcher's status table, read by launcher-status.ts. */
  setServices(services: ServicesSection): void;
  /** Closes with 4401 every page whose session has ended (logout, expiry, user removed); after each logout and periodically. */
  closeEndedSessions(): void;
  clients(): number;
  stats(): GatewayStats;
  /** Says `bye` and closes every socket with 1001 (going away), terminating any still open after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

interface Client {
  socket: WebSocket;
  who: SessionUser;
  sessionHash: string;
  channel: ClientChannel;
  inFlight: number;
}

/**
 * The gateway: each page gets `hello` and a snapshot, then every change. The alarm's changes and
 * events and the zones go out as they come; sensors, music and services are batched per key
 * every `batchMs`, so a burst of readings costs each page one frame per sensor. Each page has its own
 * bounded channel; one that does not read is coalesced, then owed a snapshot, then cut.
 */
export function createWebService(deps: WebServiceDeps): WebService {
  const now = deps.now ?? Date.now;
  const clients = new Set<Client>();
  const batched = new Map<string, string>();
  let batchTimer: NodeJS.Timeout | undefined;
  let cutSlow = 0;
  let coalescedByGone = 0;

  const frame = (message: ServerMessage): string => JSON.stringify(message);
  const snapshotFrame = (): string => frame({ t: "snapshot", state: store.snapshot(), now: now() });

  const flushBatch = (): void => {
    batchTimer = undefined;
    for (const [key, text] of batched) for (const client of clients) client.channel.set(key, text);
    batched.clear();
  };

  const onChange = (change: StateChange): void => {
    if ("event" in change) {
      const text = frame({ t: "event", event: change.event });
      for (const client of clients) client.channel.event(text);
      return;
    }
    const key = change.name === undefined ? change.section : `${change.section}/${change.name}`;
    const text = frame({
      t: "set",
      section: change.section,
      ...(change.name === undefined ? {} : { name: change.name }),
      value: change.value,
    });
    if (change.section === "alarm" || change.section === "zones") {
      for (const client of clients) client.channel.set(key, text);
      return;
    }
    batched.set(key, text);
    batchTimer ??= setTimeout(flushBatch, deps.batchMs);
  };
  const store = new DashboardStore(deps.zones, deps.sensorIds, onChange);

  const ticker = setInterval(() => {
    const tick = frame({ t: "tick", now: now() });
    for (const client of clients) client.channel.set("tick", tick);
  }, TICK_MS);
  ticker.unref();
  // A page that stopped reading is cut within a second of stallMs: its socket's buffer goes with it.
  const stallCheck = setInterval(() => {
    for (const client of clients)
      if (client.channel.behindForMs() > deps.stallMs) {
        cutSlow++;
        deps.log.warn("cutting a page that stopped reading", {
          user: client.who.user,
          behind_s: Math.round(client.channel.behindForMs() / 1000),
        });
        clients.delete(client);
        client.socket.terminate();
      }
  }, 1000);
  stallCheck.unref();

  const answer = async (client: Client, data: RawData, isBinary: boolean): Promise<void> => {
    const text = isBinary
      ? undefined
      : Buffer.isBuffer(data)
        ? data.toString("utf8")
        : Buffer.concat(Array.isArray(data) ? data : [Buffer.from(data)]).toString("utf8");
    const parsed = text === undefined ? ({ ok: false, id: "", message: "expected a text frame" } as const) : parsePageRequest(text);
    if (!parsed.ok)
      return client.channel.direct(frame({ t: "reply", id: parsed.id, ok: false, error: "bad-request", message: parsed.message }));
    const { id } = parsed.request;
    if (client.inFlight >= MAX_IN_FLIGHT)
      return client.channel.direct(
        frame({ t: "reply", id, ok: false, error: "busy", message: "too many requests at once; wait for the answers" }),
      );
    client.inFlight++;
    try {
      const result = await answerPageRequest(parsed.request, { ...client.who, sim: deps.sim }, deps.backends);
      client.channel.direct(frame({ t: "reply", id, ok: true, result }));
    } catch (error) {
      if (!(error instanceof PageRequestError)) deps.log.error("a page's request failed", { cmd: parsed.request.cmd, error });
      const known =
        error instanceof PageRequestError ? error : new PageRequestError("failed", "the dashboard failed to do that (see its log)");
      client.channel.direct(frame({ t: "reply", id, ok: false, error: known.code, message: known.message }));
    } finally {
      client.inFlight--;
    }
  };

  return {
    onClient(socket, who, sessionHash) {
      const channel = new ClientChannel(socket, {
        highWaterBytes: HIGH_WATER_BYTES,
        maxPendingEvents: EVENTS_KEPT,
        snapshot: snapshotFrame,
        now,
      });
      const client: Client = { socket, who, sessionHash, channel, inFlight: 0 };
      clients.add(client);
      socket.once("close", () => {
        clients.delete(client);
        coalescedByGone += channel.coalesced;
      });
      // A socket error (a reset, a frame over maxPayload) ends that socket only.
      socket.on("error", (error) => deps.log.debug("a page's socket failed", { user: who.user, error: error.message }));
      socket.on("message", (data, isBinary) => void answer(client, data, isBinary));
      channel.direct(
        frame({
          t: "hello",
          v: PROTOCOL_VERSION,
          user: who.user,
          role: who.role,
          insecure: deps.insecure,
          sim: deps.sim,
          allowed: [...ROLE_COMMANDS[who.role]].filter((cmd) => cmd !== "sim" || deps.sim),
          now: now(),
        }),
      );
      channel.direct(snapshotFrame());
    },
    take: (message) => void store.take(message, now()),
    setServices: (services) => store.setServices(services),
    closeEndedSessions() {
      for (const { socket, sessionHash } of clients)
        if (!deps.isSessionLive(sessionHash)) {
          socket.send(frame({ t: "bye", reason: "session-ended" }));
          socket.close(4401, "the session ended: log in again");
        }
    },
    clients: () => clients.size,
    stats: () => ({
      clients: clients.size,
      coalesced: coalescedByGone + [...clients].reduce((sum, client) => sum + client.channel.coalesced, 0),
      cutSlow,
      maxBacklogBytes: Math.max(0, ...[...clients].map((client) => client.channel.backlogBytes())),
      ignored: Object.fromEntries(store.ignored),
    }),
    async stop(graceMs = 1000) {
      clearInterval(ticker);
      clearInterval(stallCheck);
      clearTimeout(batchTimer);
      const closed = [...clients].map(
        ({ socket }) =>
          new Promise<void>((resolve) => {
            if (socket.readyState === socket.CLOSED) return resolve();
            socket.once("close", () => resolve());
            socket.send(frame({ t: "bye", reason: "stopping" }));
            socket.close(1001, "the dashboard is stopping");
          }),
      );
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([Promise.all(closed), new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)))]);
      clearTimeout(timer);
      for (const { socket } of clients) socket.terminate();
    },
  };
}

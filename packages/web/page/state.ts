/**
 * The page's view of the gateway: `hello`, the dashboard state and the server clock's offset,
 * changed only by applying the messages the gateway sends. Pure: each apply returns a new
 * object (Preact re-renders on identity) and leaves the old one as it was.
 */
import {
  EVENTS_KEPT,
  type AlarmSection,
  type Command,
  type DashboardState,
  type MusicSection,
  type SensorSection,
  type ServerMessage,
  type ServicesSection,
  type ZoneSection,
} from "./protocol.js";

export type HelloMessage = Extract<ServerMessage, { t: "hello" }>;

/**
 * What the page knows. `dash` is null until the first snapshot; after a reconnect's `hello` it
 * holds the old connection's data with `synced` false (the page shows it dimmed) until the new
 * snapshot replaces it whole.
 */
export interface PageState {
  hello: HelloMessage | null;
  dash: DashboardState | null;
  synced: boolean;
  /** Server clock minus ours, ms: the server's now is `Date.now() + offsetMs`. */
  offsetMs: number;
}

export const EMPTY_PAGE: PageState = { hello: null, dash: null, synced: false, offsetMs: 0 };

/** The state messages (`reply` and `bye` are the connection's business and leave it as it is). */
export function applyMessage(page: PageState, message: ServerMessage, receivedAtMs: number): PageState {
  switch (message.t) {
    case "hello":
      // A new connection: the old one's data is kept for show, but no change applies to it.
      return { hello: message, dash: page.dash, synced: false, offsetMs: message.now - receivedAtMs };
    case "snapshot":
      return { ...page, dash: message.state, synced: true, offsetMs: message.now - receivedAtMs };
    case "tick":
      return { ...page, offsetMs: message.now - receivedAtMs };
    case "set":
      return page.dash === null || !page.synced ? page : { ...page, dash: applySet(page.dash, message) };
    case "event": {
      if (page.dash === null || !page.synced) return page;
      const events = [...page.dash.events, message.event];
      return { ...page, dash: { ...page.dash, events: events.slice(-EVENTS_KEPT) } };
    }
    case "reply":
    case "bye":
      return page;
  }
}

function applySet(dash: DashboardState, message: Extract<ServerMessage, { t: "set" }>): DashboardState {
  switch (message.section) {
    case "alarm":
      return { ...dash, alarm: message.value as AlarmSection | null };
    case "music":
      return { ...dash, music: message.value as MusicSection | null };
    case "services":
      return { ...dash, services: message.value as ServicesSection | null };
    case "zones":
      return message.name === undefined
        ? dash
        : { ...dash, zones: withEntry(dash.zones, message.name, message.value as ZoneSection | null) };
    case "sensors":
      return message.name === undefined
        ? dash
        : { ...dash, sensors: withEntry(dash.sensors, message.name, message.value as SensorSection | null) };
  }
}

function withEntry<T>(record: Record<string, T>, name: string, value: T | null): Record<string, T> {
  const copy = { ...record };
  if (value === null) delete copy[name];
  else copy[name] = value;
  return copy;
}

/** Whether the role may send `cmd` (hello.allowed); false before hello. */
export function isAllowed(page: PageState, cmd: Command): boolean {
  return page.hello?.allowed.includes(cmd) ?? false;
}

/** The server's clock now, epoch ms. */
export function serverNowMs(page: PageState, localNowMs: number): number {
  return localNowMs + page.offsetMs;
}

/** Whole seconds left until the ISO time `endsAt` by the server's clock (0 once past), or null. */
export function secondsUntil(endsAt: string | null, serverNow: number): number | null {
  if (endsAt === null) return null;
  const at = Date.parse(endsAt);
  if (Number.isNaN(at)) return null;
  return Math.max(0, Math.ceil((at - serverNow) / 1000));
}

/**
 * The dashboard's WebSocket protocol (docs/web.md): JSON text frames, one message each, `t` its
 * type. This file is the contract between the gateway (src/) and the page (page/); it holds
 * types and constants only, so the page can import it without pulling in node code.
 */

/** Bumped when a message changes shape; `hello` carries it and the page reloads on a mismatch. */
export const PROTOCOL_VERSION = 1;

/** Largest frame either side sends in a request (ws's maxPayload for the page's frames). */
export const MAX_PAGE_FRAME_BYTES = 4096;

/** The gateway sends `tick` this often; a page that hears nothing for STALE_AFTER_MS says so and reconnects. */
export const TICK_MS = 10_000;
export const STALE_AFTER_MS = 25_000;

export type Role = "admin" | "user" | "viewer";
export type ArmMode = "away" | "home" | "night";

/** The alarm's `ALARM: <state> {…}` payload (docs/protocol.md), with the state's name. */
export interface AlarmSection {
  state: string;
  mode: ArmMode | null;
  next_state: string | null;
  delay_s: number | null;
  /** ISO; the page counts down to it with the clock offset `hello`/`tick` give. */
  ends_at: string | null;
  changed_by: string;
  open_zones: string[];
  bypassed: string[];
  shut_down: string[];
  troubles: Record<string, string>;
  memory: string[];
  lockout_until: string | null;
}

/** A zone as the page shows it: its config, and what its sensor and the alarm last said. */
export interface ZoneSection {
  type: string;
  /** The sensor id that drives it (`DOOR:`/`MOTION:` subject). */
  sensor: string;
  /** null until the sensor has reported. */
  open: boolean | null;
  /** Why the zone is in trouble (the alarm's word), or null. */
  trouble: string | null;
  /** Epoch ms of its last report, or null. */
  at: number | null;
}

/** A sensor's latest reading (`SENSOR: <id> {…}`), state (`DOOR:`/`MOTION:`) or fault. */
export interface SensorSection {
  /** Quantity → value, e.g. `{"temperature_c": 21.4}`; null before the first reading. */
  reading: Record<string, number> | null;
  /** A door's or PIR's last word (`open`, `closed`, `on`, `off`); null for other sensors or before it spoke. */
  state: string | null;
  /** The fault's message while the sensor fails, else null. */
  fault: string | null;
  /** Epoch ms of the last reading or fault. */
  at: number | null;
}

/** What the music player said last (`MUSIC: <state> {…}`). */
export interface MusicSection {
  /** `play`, `pause`, `stop`, `offline`. */
  state: string;
  title?: string;
  artist?: string;
  elapsed_s?: number;
  duration_s?: number;
  volume?: number;
  alert?: string;
  error?: string;
}

/** One row of the launcher's status table. */
export interface ServiceRow {
  service: string;
  state: string;
  pid: number | null;
  uptime_s: number | null;
  heartbeat_age_s: number | null;
  restarts: number;
  reason?: string;
  problem?: string;
  pss_bytes?: number | null;
}

/** The launcher's table, or why it could not be read (no launcher: services run by hand). */
export interface ServicesSection {
  rows: ServiceRow[];
  /** Epoch ms the table was read. */
  at: number;
  problem: string | null;
}

/** An `ALARM: event {…}` as published (`at` ISO). Never holds a code. */
export interface AlarmEventView {
  kind: string;
  at: string;
  user?: string;
  source?: string;
  zone?: string;
  zones?: string[];
  mode?: string;
  attempts?: number;
  until?: string;
  reason?: string;
  /** Which dashboard login or other client passed the request on (`web:alice`). */
  via?: string;
}

/** Everything the page shows live. Each entry of a record is its own key for changes. */
export interface DashboardState {
  /** null until the alarm has been heard (not running, or not yet). */
  alarm: AlarmSection | null;
  zones: Record<string, ZoneSection>;
  sensors: Record<string, SensorSection>;
  music: MusicSection | null;
  services: ServicesSection | null;
  /** The latest security events, oldest first (at most EVENTS_KEPT). */
  events: AlarmEventView[];
}

/** How many recent alarm events the gateway keeps for a new page's snapshot. */
export const EVENTS_KEPT = 50;

/** The sections changes name; `zones` and `sensors` changes carry one entry by `name`. */
export type Section = "alarm" | "zones" | "sensors" | "music" | "services";

/** What the gateway sends. */
export type ServerMessage =
  | {
      t: "hello";
      v: number;
      user: string;
      role: Role;
      /** Plain HTTP off loopback: the page shows a warning. */
      insecure: boolean;
      /** The hardware is simulated: the page offers its simulation panel (admin). */
      sim: boolean;
      /** What this role may send (`cmd` names). */
      allowed: Command[];
      /** The gateway's clock, epoch ms (the page's offset for countdowns). */
      now: number;
    }
  /** The whole state: on connect, and again whenever this page fell too far behind to catch up by changes. */
  | { t: "snapshot"; state: DashboardState; now: number }
  /** One key's new value (null: the entry is gone). Only the latest value of a key is sent to a slow page. */
  | { t: "set"; section: Section; name?: string; value: unknown }
  /** A security event, appended to `events`. */
  | { t: "event"; event: AlarmEventView }
  /** Keeps a quiet page knowing it is connected; `now` for the clock offset. */
  | { t: "tick"; now: number }
  | { t: "reply"; id: string; ok: true; result: unknown }
  | { t: "reply"; id: string; ok: false; error: ReplyError; message: string }
  /** The gateway closes this socket next: why. */
  | { t: "bye"; reason: "stopping" | "session-ended" | "too-slow" };

/** Why a request failed: `refused` (the alarm said no: wrong code, open zones…), `forbidden` (the role may not), `bad-request`, `busy` (too many at once), `unavailable` (the service is not running), `failed`. */
export type ReplyError = "refused" | "forbidden" | "bad-request" | "busy" | "unavailable" | "failed";

/** What the page may ask (`{t:"req", id, cmd, args}`); `hello.allowed` says which for this role. */
export type Command =
  /** `{mode, code, bypass?: true | string[]}` → the alarm's request socket. */
  | "arm"
  /** `{code}` */
  | "disarm"
  /** `{code, zones}` */
  | "bypass"
  /** `{}`: the page asks for confirmation first. */
  | "panic"
  /** `{action: "play"|"pause"|"toggle"|"next"|"previous"|"volume", volume?: 0–100}` */
  | "music"
  /** `{command: "press", key, ms?}` or `{command: "gpio", pin, level}`: only on simulated hardware. */
  | "sim"
  /** `{sensor, quantity}` → `{points: [epochMs, value][]}` over the last 24 h. */
  | "history"
  /**
   * The message console (admin): `{topic?, text?, since?, until?, before?, after?, limit?}` (times
   * epoch ms, `before`/`after` journal sequence numbers, limit ≤ 200) → `{records: {seq, at, message}[], next: number | null}`:
   * newest first, or oldest first with `after` (the page's live view asks with the last seq it has).
   */
  | "journal"
  /** `{limit?}` → `{events: AlarmEventView[]}`, newest first, from the alarm's audit trail. */
  | "audit";

/** A request from the page. `id`: 1–32 characters, echoed in the reply. */
export interface PageRequest {
  t: "req";
  id: string;
  cmd: Command;
  args?: Record<string, unknown>;
}

/** Each role's commands; a role lower down has a subset of the one above. */
export const ROLE_COMMANDS: Record<Role, readonly Command[]> = {
  viewer: ["history", "audit"],
  user: ["history", "audit", "arm", "disarm", "panic", "music"],
  admin: ["history", "journal", "audit", "arm", "disarm", "panic", "music", "bypass", "sim"],
};

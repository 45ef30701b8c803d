import type { RoomguardConfig } from "@roomguard/config";

/** The alarm's config section, as validated. */
export type AlarmConfig = RoomguardConfig["alarm"];
export type ZoneConfig = AlarmConfig["zones"][number];
export type ZoneType = ZoneConfig["type"];

/** Home Assistant's alarm_control_panel states, so the bridge and the dashboard need no table. */
export type AlarmStateName = "disarmed" | "arming" | "armed_away" | "armed_home" | "armed_night" | "pending" | "triggered";
export type ArmMode = "away" | "home" | "night";

/** Who did it: a user's name (from the code), or a source for what no user did (a zone, a timer, the alarm). */
export type Source = "keypad" | "dashboard" | "homeassistant" | "cli" | "alarm";

/**
 * Everything the alarm must remember across a crash or a power cut: written atomically on every
 * change (state-file.ts) and resumed exactly. Times are epoch milliseconds.
 */
export interface AlarmState {
  state: AlarmStateName;
  /** The arm mode while arming, armed, pending or triggered; null while disarmed. */
  mode: ArmMode | null;
  /** When the running countdown (exit delay, entry delay, siren) ends; null without one. */
  endsAt: number | null;
  /** When `triggered` began (the siren's start), for sirenMaxS across a restart. */
  triggeredAt: number | null;
  /** A user's name or a source; never a code. */
  changedBy: string;
  /** Zones bypassed for this arm cycle (cleared on disarm). */
  bypassed: string[];
  /**
   * Triggers per zone in this armed cycle, for swinger shutdown: a zone at `maxTriggersPerZone`
   * is ignored until a disarm. 24h and tamper zones are not counted (never shut down).
   */
  triggers: Record<string, number>;
  /** Zones that triggered in the last armed cycle: shown after disarm until the next arm. */
  memory: string[];
  /** Wrong codes in a row, and the code entry lock. */
  lockout: { failures: number; until: number | null };
  /** Zones that are open now (last event heard) — kept so that a restart knows them before the sensors repeat. */
  open: string[];
  /** Zones in trouble now, with why ("sensor fault ENODEV", "no heartbeat from sensors"). */
  troubles: Record<string, string>;
}

/**
 * Inputs to the state machine. A code is never in here: codes are checked before (codes.ts).
 * `duress`: the code was the user's duress code; it acts exactly as their own and adds the silent
 * `duress` event (absent: false).
 */
export type AlarmInput =
  | { kind: "arm"; mode: ArmMode; user: string; source: Source; bypass: string[] | "open" | "none"; duress?: boolean }
  | { kind: "disarm"; user: string; source: Source; duress: boolean }
  | { kind: "bad_code"; source: Source }
  | { kind: "bypass"; zones: string[]; user: string; source: Source; duress?: boolean }
  | { kind: "panic"; source: Source; user?: string }
  | { kind: "zone"; zone: string; open: boolean }
  | { kind: "trouble"; zone: string; why: string }
  | { kind: "trouble_cleared"; zone: string }
  /**
   * The zone's sensor spoke normally (a reading or a state): a sensor fault's trouble (its text
   * starts with "sensor fault") is over; any other trouble (a silent sensor reader) stays.
   */
  | { kind: "sensor_ok"; zone: string }
  /** The clock passed `endsAt` (or another deadline the machine asked for). */
  | { kind: "tick" };

/**
 * The kinds of security event, in one list (the CLI's `--kind` and the docs name them from here).
 * `zone_shutdown`: a zone reached `maxTriggersPerZone` in this armed cycle and is ignored until a
 * disarm (swinger shutdown).
 */
export const ALARM_EVENT_KINDS = [
  "arm",
  "armed",
  "disarm",
  "duress",
  "bad_code",
  "lockout",
  "bypass",
  "pending",
  "trigger",
  "zone_shutdown",
  "siren_timeout",
  "rearm",
  "panic",
  "trouble",
  "trouble_cleared",
  "refused",
  "restart",
  "corrupt_state",
] as const;

export type AlarmEventKind = (typeof ALARM_EVENT_KINDS)[number];

/** A security event: `ALARM: event {…}` and a line of the audit trail. */
export interface AlarmEvent {
  kind: AlarmEventKind;
  /** Epoch ms. */
  at: number;
  user?: string;
  source?: Source;
  zone?: string;
  zones?: string[];
  mode?: ArmMode;
  attempts?: number;
  until?: number;
  reason?: string;
  /**
   * What passed the request on, as its sender says (1 to 64 printable characters): the dashboard
   * sends `web:<login name>`, so the trail names the dashboard login as well as the code's owner.
   */
  via?: string;
}

/** What the service does after a step: the machine itself does no I/O. */
export interface Step {
  /** The state after the input: the very object given when the input changed nothing. */
  state: AlarmState;
  /** Security events, in order: published and audited. */
  events: AlarmEvent[];
  /** A chime zone opened while disarmed: `ALARM: chime {"zone":…}`. */
  chime?: string;
  /** Why the input was refused (arming with open zones, locked out…), for the request's reply. */
  refused?: string;
}

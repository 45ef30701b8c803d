import { textTable } from "@roomguard/runtime";
import { clockTime, dateTime } from "../output.js";

/** The alarm's state as its `status` request answers it: the `ALARM:` payload plus `state` (alarm-spec, docs/protocol.md). */
export interface AlarmView {
  state?: string;
  mode?: string | null;
  next_state?: string | null;
  delay_s?: number | null;
  ends_at?: string | null;
  changed_by?: string;
  open_zones?: string[];
  bypassed?: string[];
  troubles?: Record<string, string>;
  memory?: string[];
  shut_down?: string[];
  lockout_until?: string | null;
  problem?: string;
}

/**
 * The state as a two-column table for a person: what it is and where it goes, who changed it,
 * the zones open, bypassed, in trouble and in memory, the lockout. Fields the alarm did not send
 * are left out.
 */
export function renderAlarmView(view: AlarmView, nowMs: number): string {
  const rows: string[][] = [];
  // The reply is another process's: a field of the wrong shape shows as what it is, not as a crash.
  const list = (items: unknown): string =>
    Array.isArray(items) ? (items.length > 0 ? items.map(printable).join(", ") : "none") : printable(items);
  let state = view.state ?? "?";
  if (view.next_state) state += ` → ${view.next_state}`;
  const countdown = [
    typeof view.delay_s === "number" ? `in ${view.delay_s} s` : undefined,
    view.ends_at ? `at ${when(view.ends_at, nowMs)}` : undefined,
  ].filter(Boolean);
  if (countdown.length > 0) state += ` (${countdown.join(", ")})`;
  rows.push(["state", state]);
  if (view.mode !== undefined) rows.push(["mode", view.mode ?? "none"]);
  if (view.changed_by !== undefined) rows.push(["changed by", view.changed_by]);
  if (view.open_zones !== undefined) rows.push(["open zones", list(view.open_zones)]);
  if (view.bypassed !== undefined) rows.push(["bypassed", list(view.bypassed)]);
  if (view.troubles !== undefined) {
    const troubles = Object.entries(view.troubles ?? {}).map(([zone, why]) => `${zone} (${printable(why)})`);
    rows.push(["troubles", list(troubles)]);
  }
  if (view.memory !== undefined) rows.push(["memory", list(view.memory)]);
  if (view.shut_down !== undefined && view.shut_down.length > 0) rows.push(["shut down", list(view.shut_down)]);
  if (view.lockout_until !== undefined)
    rows.push(["lockout", view.lockout_until ? `code entry locked until ${when(view.lockout_until, nowMs)}` : "none"]);
  if (view.problem !== undefined) rows.push(["problem", view.problem]);
  return textTable(rows.map(([name, value]) => [name ?? "", printable(value)]));
}

/** An ISO time as the local clock time (today) or date and time; as given when it is no time. */
function when(iso: string, nowMs: number): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  return new Date(ms).toDateString() === new Date(nowMs).toDateString() ? clockTime(ms).slice(0, 8) : dateTime(ms).slice(0, 19);
}

/**
 * A field as printable text: the alarm's state and audit hold what reached it (a sensor's fault
 * reason comes off the bus), and a control character in that must not drive the terminal.
 */
export function printable(value: unknown): string {
  const text = typeof value === "string" ? value : (JSON.stringify(value) ?? String(value));
  let shown = "";
  for (const char of text) {
    const code = char.charCodeAt(0);
    shown += code < 0x20 || (code >= 0x7f && code <= 0x9f) ? `\\u${code.toString(16).padStart(4, "0")}` : char;
  }
  return shown;
}

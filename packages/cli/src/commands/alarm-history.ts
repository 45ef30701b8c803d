import { ALARM_EVENT_KINDS, AuditReadError, streamAudit } from "@roomguard/alarm/audit";
import { resolveConfigPath } from "@roomguard/config";
import { ExitCode, textTable } from "@roomguard/runtime";
import type { CommandContext } from "../command.js";
import { dateTime } from "../output.js";
import { UsageError } from "../usage-error.js";
import { printable } from "./alarm-state.js";
import { parseSince } from "./journal.js";

/**
 * Who may read the audit trail: the alarm makes its state directory 0750 and the audit files 0640
 * (state.json stays 0600), and gives an older version's 0700/0600 ones the group's read when it starts.
 */
const PERMISSION =
  "only the alarm's user and group may read it (on the Pi the roomguard group: run this as a member, logged in again since being added, or with sudo; files an older alarm made 0700/0600 become readable to the group when the alarm starts)";

/** A line of the audit trail, as far as it is shown: an AlarmEvent read back (`at` in epoch ms, `until` as stored). */
interface AuditEvent {
  kind: string;
  at: number;
  user?: string;
  source?: string;
  zone?: string;
  zones?: string[];
  mode?: string;
  attempts?: number;
  until?: string | number;
  reason?: string;
  via?: string;
}

export interface HistoryOptions {
  config?: string | undefined;
  since?: string | undefined;
  kind?: string[] | undefined;
  json?: boolean | undefined;
}

/**
 * `roomguard alarm history`: the audit trail (`<alarm.stateDir>/audit-*.jsonl`, then
 * `audit.jsonl`), oldest first, as a table or (--json) one event per line as stored. A line that
 * is no event (torn by a power cut mid-write) is skipped and counted. Exit 0; 1 when the state
 * directory or an audit file cannot be read; 64 a wrong --since or --kind.
 */
export async function showHistory(options: HistoryOptions, context: CommandContext): Promise<number> {
  const kinds = parseKinds(options.kind ?? []);
  const since =
    options.since === undefined
      ? undefined
      : parseSince(/^\d{4}-\d\d-\d\d$/.test(options.since) ? `${options.since}T00:00` : options.since, Date.now());
  const loaded = context.loadConfig(options.config, { needs: ["alarm.stateDir"] });
  const dir = resolveConfigPath(loaded, loaded.config.alarm.stateDir);

  const cannotRead = (error: AuditReadError): number => {
    const why =
      error.code === "ENOENT" && error.path === dir
        ? "it does not exist: the alarm has not run with this config (alarm.stateDir)"
        : error.code === "EACCES"
          ? `permission denied: ${PERMISSION}`
          : error.code;
    context.output.err(`roomguard alarm history: cannot read the audit trail in ${error.path}: ${why}`);
    return ExitCode.failure;
  };

  const rows: string[][] = [["time", "event", "user", "source", "zone", "details"]];
  let torn = 0;
  let shown = 0;
  try {
    // The alarm package's reader: rotated files oldest first, then audit.jsonl, a chunk at a time.
    for await (const record of streamAudit(dir)) {
      if ("skipped" in record) {
        torn++;
        continue;
      }
      const event = record.event as AuditEvent;
      if (kinds && !kinds.has(event.kind)) continue;
      if (since !== undefined && event.at < since) continue;
      shown++;
      if (options.json) {
        context.output.out(record.line);
        await context.output.drained();
      } else rows.push(row(event));
    }
  } catch (error) {
    if (error instanceof AuditReadError) return cannotRead(error);
    throw error;
  }
  if (!options.json)
    context.output.out(shown === 0 ? `no events${since !== undefined || kinds ? " match" : ""} in ${dir}` : textTable(rows));
  if (torn > 0) {
    context.output.err(
      `roomguard alarm history: skipped ${torn} line${torn === 1 ? "" : "s"} that ${torn === 1 ? "is" : "are"} not a whole event (torn by a power cut mid-write?)`,
    );
  }
  return ExitCode.ok;
}

function parseKinds(values: string[]): Set<string> | undefined {
  const kinds = values.flatMap((value) => value.split(",")).filter((kind) => kind !== "");
  if (kinds.length === 0) return undefined;
  const unknown = kinds.filter((kind) => !(ALARM_EVENT_KINDS as readonly string[]).includes(kind));
  if (unknown.length > 0)
    throw new UsageError(
      `history: --kind: unknown ${unknown.map((kind) => `"${kind}"`).join(", ")}; the kinds are ${ALARM_EVENT_KINDS.join(", ")}`,
    );
  return new Set(kinds);
}

/** `until` as stored: epoch ms in the audit, an ISO time in older lines. */
function timeOf(at: string | number): number {
  return typeof at === "number" ? at : Date.parse(at);
}

function row(event: AuditEvent): string[] {
  const zones = Array.isArray(event.zones) && event.zones.length > 0 ? `zones ${event.zones.map(printable).join(", ")}` : undefined;
  const until = event.until === undefined ? undefined : timeOf(event.until);
  const details = [
    event.mode === undefined ? undefined : `mode ${printable(event.mode)}`,
    event.attempts === undefined ? undefined : `attempts ${printable(event.attempts)}`,
    until === undefined ? undefined : `until ${Number.isNaN(until) ? printable(event.until) : dateTime(until).slice(0, 19)}`,
    zones,
    event.reason === undefined ? undefined : printable(event.reason),
    event.via === undefined ? undefined : `via ${printable(event.via)}`,
  ].filter((detail): detail is string => detail !== undefined);
  return [
    dateTime(event.at).slice(0, 19),
    printable(event.kind),
    printable(event.user ?? ""),
    printable(event.source ?? ""),
    printable(event.zone ?? ""),
    details.join("; "),
  ];
}

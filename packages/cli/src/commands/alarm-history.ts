import { open, readdir } from "node:fs/promises";
import path from "node:path";
import { createInterface } from "node:readline";
import { resolveConfigPath } from "@roomguard/config";
import { ExitCode, textTable } from "@roomguard/runtime";
import type { CommandContext } from "../command.js";
import { dateTime } from "../output.js";
import { UsageError } from "../usage-error.js";
import { printable } from "./alarm-state.js";
import { parseSince } from "./journal.js";

/** AlarmEvent's kinds (packages/alarm/src/types.ts). */
const KINDS = [
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

/**
 * Who may read the audit trail: the alarm makes its state directory 0750 and the audit files 0640
 * (state.json stays 0600), and gives an older version's 0700/0600 ones the group's read when it starts.
 */
const PERMISSION =
  "only the alarm's user and group may read it (on the Pi the roomguard group: run this as a member, logged in again since being added, or with sudo; files an older alarm made 0700/0600 become readable to the group when the alarm starts)";

/** A line of the audit trail, as far as it is shown: an AlarmEvent with `at` as ISO (or epoch ms). */
interface AuditEvent {
  kind: string;
  at: string | number;
  user?: string;
  source?: string;
  zone?: string;
  zones?: string[];
  mode?: string;
  attempts?: number;
  until?: string | number;
  reason?: string;
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

  const cannotRead = (where: string, error: unknown): number => {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT" && where === dir
        ? "it does not exist: the alarm has not run with this config (alarm.stateDir)"
        : code === "EACCES"
          ? `permission denied: ${PERMISSION}`
          : String(code ?? error);
    context.output.err(`roomguard alarm history: cannot read the audit trail in ${where}: ${why}`);
    return ExitCode.failure;
  };
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    return cannotRead(dir, error);
  }
  // Rotated files are named by the time they were rotated (ISO): by name is oldest first.
  const files = [...names.filter((name) => /^audit-.+\.jsonl$/.test(name)).sort(), ...names.filter((name) => name === "audit.jsonl")];

  const rows: string[][] = [["time", "event", "user", "source", "zone", "details"]];
  let torn = 0;
  let shown = 0;
  for (const name of files) {
    let input;
    try {
      input = await open(path.join(dir, name));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") continue; // rotated or pruned since readdir
      return cannotRead(path.join(dir, name), error);
    }
    const lines = createInterface({ input: input.createReadStream(), crlfDelay: Infinity });
    for await (const line of lines) {
      if (line.trim() === "") continue;
      const event = parseEvent(line);
      if (!event) {
        torn++;
        continue;
      }
      if (kinds && !kinds.has(event.kind)) continue;
      if (since !== undefined && timeOf(event.at) < since) continue;
      shown++;
      if (options.json) {
        context.output.out(line);
        await context.output.drained();
      } else rows.push(row(event));
    }
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
  const unknown = kinds.filter((kind) => !(KINDS as readonly string[]).includes(kind));
  if (unknown.length > 0)
    throw new UsageError(`history: --kind: unknown ${unknown.map((kind) => `"${kind}"`).join(", ")}; the kinds are ${KINDS.join(", ")}`);
  return new Set(kinds);
}

function parseEvent(line: string): AuditEvent | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const event = value as Partial<AuditEvent>;
  if (typeof event.kind !== "string" || (typeof event.at !== "string" && typeof event.at !== "number") || Number.isNaN(timeOf(event.at)))
    return undefined;
  return event as AuditEvent;
}

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
  ].filter((detail): detail is string => detail !== undefined);
  return [
    dateTime(timeOf(event.at)).slice(0, 19),
    printable(event.kind),
    printable(event.user ?? ""),
    printable(event.source ?? ""),
    printable(event.zone ?? ""),
    details.join("; "),
  ];
}

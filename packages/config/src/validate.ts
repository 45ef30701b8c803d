import * as v from "valibot";
import type { ConfigIssue } from "./errors.js";
import { withKeypadModeDefaults } from "./keypad-keys.js";
import { configSchema, type RoomguardConfig } from "./schema.js";

export type ValidationResult = { ok: true; config: RoomguardConfig } | { ok: false; issues: ConfigIssue[] };

/**
 * Checks a parsed config document against the schema and fills in defaults. Pure: it
 * reads no file and no environment. Every issue names the dotted key path and says what
 * was expected and what was found.
 */
export function validateConfig(document: unknown): ValidationResult {
  // Some defaults depend on another key: usb mode's code entry keys are a numeric keypad's.
  const result = v.safeParse(configSchema, withKeypadModeDefaults(document ?? {}), { abortPipeEarly: true });
  if (!result.success) return { ok: false, issues: result.issues.map(describeIssue) };
  const issues = crossChecks(result.output);
  return issues.length > 0 ? { ok: false, issues } : { ok: true, config: result.output };
}

/** Rules that involve more than one key. */
function crossChecks(config: RoomguardConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const { maxBytes, segmentBytes } = config.router.journal;
  if (maxBytes < 2 * segmentBytes) {
    issues.push({
      path: "router.journal.maxBytes",
      message: `expected at least twice router.journal.segmentBytes (${2 * segmentBytes}), got ${maxBytes}`,
    });
  }
  if (config.bus.lalapiPorts) {
    for (const key of ["in", "out"] as const) {
      const port = LALAPI_PORTS[key];
      if (new RegExp(`^tcp://[^:/]+:${port}$`).test(config.bus[key])) {
        issues.push({
          path: `bus.${key}`,
          message: `bus.lalapiPorts adds 127.0.0.1:${port} beside bus.${key}, which already is port ${port}: set bus.${key} to an ipc:// endpoint, or lalapiPorts to false`,
        });
      }
    }
  }
  // Whoever reaches the launcher can stop and kill services: never off this machine.
  if (!isLoopbackEndpoint(config.launcher.control)) {
    issues.push({ path: "launcher.control", message: `expected a loopback or ipc endpoint, got "${config.launcher.control}"` });
  }
  // Codes travel on it: the alarm answers on this machine only (remote Pis join through the bus).
  if (!isLoopbackEndpoint(config.alarm.requests)) {
    issues.push({ path: "alarm.requests", message: `expected a loopback or ipc endpoint, got "${config.alarm.requests}"` });
  }
  return issues;
}

/** lala-pi's plain ports, which bus.lalapiPorts opens beside bus.in/bus.out. */
export const LALAPI_PORTS = { in: 5556, out: 5555 } as const;

function isLoopbackEndpoint(endpoint: string): boolean {
  if (endpoint.startsWith("ipc://")) return true;
  const host = /^tcp:\/\/([^:/]+):/.exec(endpoint)?.[1] ?? "";
  return host === "localhost" || host.startsWith("127.");
}

function describeIssue(issue: v.BaseIssue<unknown>): ConfigIssue {
  const keys = (issue.path ?? []).map((item) => String(item.key));
  const path = keys.join(".");
  const got = show(issue.input);
  switch (issue.type) {
    case "strict_object":
      if (issue.expected === "never") {
        const parent = keys.slice(0, -1);
        return { path, message: `unknown key (a typo?); expected one of: ${knownKeys(parent).join(", ")}` };
      }
      return { path, message: `expected a section (key: value lines), got ${got}` };
    case "number":
      return { path, message: `expected a number, got ${got}` };
    case "integer":
      return { path, message: `expected a whole number, got ${got}` };
    case "boolean":
      return { path, message: `expected true or false, got ${got}` };
    case "string":
      return { path, message: `expected a string, got ${got}` };
    case "min_value":
      return { path, message: `expected at least ${(issue.requirement as number | undefined) ?? "?"}, got ${got}` };
    case "max_value":
      return { path, message: `expected at most ${(issue.requirement as number | undefined) ?? "?"}, got ${got}` };
    case "min_length":
      return { path, message: `expected at least ${(issue.requirement as number | undefined) ?? "?"} characters, got ${got}` };
    case "picklist":
      // valibot spells the options as ("a" | "b").
      return {
        path,
        message: `expected one of ${
          issue.expected
            ?.replace(/^\(|\)$/g, "")
            .split(" | ")
            .join(", ") ?? "?"
        }, got ${got}`,
      };
    case "regex":
      return { path, message: `expected ${issue.message}, got ${got}` };
    default:
      return { path, message: `${issue.message}, got ${got}` };
  }
}

function show(value: unknown): string {
  if (value === undefined) return "nothing";
  const text = JSON.stringify(value) ?? typeof value;
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** The keys the schema allows at a path, for help on typos. */
export function knownKeys(path: readonly string[]): string[] {
  let schema: unknown = configSchema;
  for (const key of path) schema = entriesOf(schema)?.[key];
  return Object.keys(entriesOf(schema) ?? {});
}

/** The entries of an object schema, under optional/pipe wrappers; undefined for other schemas. */
export function entriesOf(schema: unknown): Record<string, unknown> | undefined {
  let current = schema as { entries?: Record<string, unknown>; wrapped?: unknown } | undefined;
  for (let depth = 0; depth < 10 && current; depth++) {
    if (current.entries) return current.entries;
    current = current.wrapped as typeof current;
  }
  return undefined;
}

import type { z } from "zod";
import type { ConfigIssue } from "./errors.js";
import { configSchema, type RoomguardConfig } from "./schema.js";

export type ValidationResult = { ok: true; config: RoomguardConfig } | { ok: false; issues: ConfigIssue[] };

/**
 * Checks a parsed config document against the schema and fills in defaults. Pure: it
 * reads no file and no environment. Every issue names the dotted key path and says what
 * was expected and what was found.
 */
export function validateConfig(document: unknown): ValidationResult {
  const result = configSchema.safeParse(document ?? {}, { reportInput: true });
  if (result.success) return { ok: true, config: result.data };
  return { ok: false, issues: result.error.issues.flatMap(describeIssue) };
}

function describeIssue(issue: z.core.$ZodIssue): ConfigIssue[] {
  const path = issue.path.map(String).join(".");
  const got = "input" in issue ? show(issue.input) : "nothing";
  switch (issue.code) {
    case "unrecognized_keys":
      return issue.keys.map((key) => ({
        path: path ? `${path}.${key}` : key,
        message: `unknown key (a typo?); expected one of: ${knownKeys(issue.path).join(", ")}`,
      }));
    case "invalid_type":
      return [{ path, message: `expected ${typeName(issue.expected)}, got ${got}` }];
    case "too_small":
      return [
        {
          path,
          message: `expected ${issue.inclusive === false ? "more than" : "at least"} ${String(issue.minimum)}${unit(issue.origin)}, got ${got}`,
        },
      ];
    case "too_big":
      return [
        {
          path,
          message: `expected ${issue.inclusive === false ? "less than" : "at most"} ${String(issue.maximum)}${unit(issue.origin)}, got ${got}`,
        },
      ];
    case "invalid_value":
      return [{ path, message: `expected one of ${issue.values.map(show).join(", ")}, got ${got}` }];
    case "invalid_format":
      return [{ path, message: `expected ${issue.message}, got ${got}` }];
    case "custom":
      return [{ path, message: issue.message }];
    default:
      return [{ path, message: `${issue.message}, got ${got}` }];
  }
}

function typeName(expected: string): string {
  switch (expected) {
    case "int":
      return "a whole number";
    case "number":
      return "a number";
    case "boolean":
      return "true or false";
    case "string":
      return "a string";
    case "object":
      return "a section (key: value lines)";
    default:
      return expected;
  }
}

function unit(origin: string): string {
  return origin === "string" ? " characters" : origin === "array" ? " items" : "";
}

function show(value: unknown): string {
  if (value === undefined) return "nothing";
  const text = JSON.stringify(value) ?? typeof value;
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** The keys the schema allows at a path, for "did you mean" help on typos. */
export function knownKeys(path: readonly PropertyKey[]): string[] {
  let schema: unknown = configSchema;
  for (const key of path) {
    schema = shapeOf(schema)?.[String(key)];
  }
  return Object.keys(shapeOf(schema) ?? {});
}

/** Object shape under default/prefault/pipe wrappers, or undefined when not an object. */
export function shapeOf(schema: unknown): Record<string, unknown> | undefined {
  let current = schema as { _zod?: { def?: { type?: string; innerType?: unknown; in?: unknown; shape?: unknown } } } | undefined;
  for (let depth = 0; depth < 10 && current?._zod?.def; depth++) {
    const def = current._zod.def;
    if (def.type === "object") return def.shape as Record<string, unknown>;
    current = (def.innerType ?? def.in) as typeof current;
  }
  return undefined;
}

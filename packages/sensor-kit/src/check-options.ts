import * as v from "valibot";
import type { OptionsSchema, SensorDefinition } from "./define-sensor.js";

/** One thing wrong with a sensor's options: the key (dotted for nested ones) and what is wrong. */
export interface OptionIssue {
  key: string;
  /** `missing (required)`, `unknown option (did you mean openWhen?)`, `expected high or low, got "x"`. */
  message: string;
}

/** A sensor's options checked against its schema: the parsed options, or every issue. */
export type CheckedOptions<S extends OptionsSchema> =
  | { ok: true; options: v.InferOutput<S> }
  | {
      ok: false;
      issues: OptionIssue[];
      /** `door takes: pin (required), openWhen, debounceMs` when a key is missing or unknown, for the message. */
      takes: string | undefined;
    };

/**
 * Checks a config entry's own options (without `id`, `kind`, `intervalS`) against a sensor's
 * schema. A missing required key is named as missing, a key the sensor does not take as unknown
 * (with the nearest key it does take, when one is close), a wrong value as "expected …, got …".
 * `name` is how the entry named the sensor (an alias, say), for the `takes:` list.
 */
export function checkOptions<S extends OptionsSchema>(
  definition: SensorDefinition<S>,
  input: unknown,
  name: string = definition.kind,
): CheckedOptions<S> {
  const parsed = v.safeParse(definition.options, input);
  if (parsed.success) return { ok: true, options: parsed.output };
  const given = input !== null && typeof input === "object" ? Object.keys(input) : [];
  const known = Object.keys(definition.options.entries);
  const missing = new Set<string>();
  // valibot names only the first unknown key: find them all.
  const unknown = given.filter((key) => !known.includes(key));
  const wrong: OptionIssue[] = [];
  for (const issue of parsed.issues) {
    const key = issue.path?.map((item) => String(item.key)).join(".") ?? "";
    const isKeyIssue = issue.type === "strict_object";
    if (isKeyIssue && issue.expected === "never") {
      if (!unknown.includes(key)) unknown.push(key);
    } else if (isKeyIssue && issue.input === undefined) missing.add(key);
    else wrong.push({ key, message: valueMessage(issue) });
  }
  const issues: OptionIssue[] = [];
  for (const key of unknown) {
    // A typo of a required key also makes that key missing: the typo says it all.
    const guess = key.includes(".")
      ? undefined
      : nearest(
          key,
          known.filter((candidate) => !given.includes(candidate)),
        );
    if (guess !== undefined) missing.delete(guess);
    issues.push({ key, message: guess === undefined ? "unknown option (a typo?)" : `unknown option (did you mean ${guess}?)` });
  }
  for (const key of missing) issues.push({ key, message: "missing (required)" });
  issues.push(...wrong);
  issues.sort((a, b) => order(known, a.key) - order(known, b.key));
  const takes = unknown.length > 0 || missing.size > 0 ? `${name} takes: ${describeOptions(definition)}` : undefined;
  return { ok: false, issues, takes };
}

/**
 * Option issues in one line, `<where>.<key>: <message>` joined by `; `:
 * `sensors[front].pin: missing (required)`. Without `where`, just `pin: missing (required)`.
 */
export function describeIssues(issues: readonly OptionIssue[], where = ""): string {
  return issues.map((issue) => `${[where, issue.key].filter(Boolean).join(".")}: ${issue.message}`).join("; ");
}

/** A sensor's option keys for messages, required ones marked: `pin (required), openWhen, debounceMs`. */
export function describeOptions(definition: SensorDefinition): string {
  const keys = Object.entries(definition.options.entries).map(([key, schema]) => (isOptional(schema) ? key : `${key} (required)`));
  return keys.length > 0 ? keys.join(", ") : "no options";
}

function isOptional(schema: v.GenericSchema): boolean {
  return schema.type === "optional" || schema.type === "exact_optional" || schema.type === "nullish";
}

/** The schema's own message when it has one; valibot's default ("Invalid type: …") as "expected …, got …". */
function valueMessage(issue: v.BaseIssue<unknown>): string {
  const got = issue.input === undefined ? "nothing" : JSON.stringify(issue.input);
  if (!/^Invalid \w+: (Expected|Received) /.test(issue.message)) return `${issue.message}, got ${got}`;
  return `expected ${issue.expected ?? issue.type}, got ${got}`;
}

/** Schema keys in the schema's order, then the rest (unknown keys) as they came. */
function order(known: string[], key: string): number {
  const index = known.indexOf(key.split(".")[0] ?? key);
  return index === -1 ? known.length : index;
}

/** The candidate closest to `key` if it is close enough to be what was meant (case aside, a few edits). */
function nearest(key: string, candidates: string[]): string | undefined {
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(key.toLowerCase(), candidate.toLowerCase());
    const allowed = Math.max(1, Math.floor(Math.max(key.length, candidate.length) / 3));
    if (distance <= allowed && (!best || distance < best.distance)) best = { candidate, distance };
  }
  return best?.candidate;
}

/** Levenshtein distance, with a swap of two neighbours counted as one edit (`pni` → `pin`). */
function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number): number => rows[i]?.[j] ?? Number.POSITIVE_INFINITY;
  for (let i = 1; i <= a.length; i++) {
    const row = rows[i] as number[];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let distance = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) distance = Math.min(distance, at(i - 2, j - 2) + 1);
      row[j] = distance;
    }
  }
  return at(a.length, b.length);
}

import { load as parseYamlScalar } from "js-yaml";
import type { ConfigIssue } from "./errors.js";
import { configSchema } from "./schema.js";
import { entriesOf } from "./validate.js";

/** Prefix of override variables: `ROOMGUARD_<SECTION>_<KEY>`, e.g. `ROOMGUARD_ROUTER_ACCEPT_DEATH=true`. */
export const ENV_PREFIX = "ROOMGUARD_";

/** Variables with the prefix that are not overrides. */
const RESERVED = new Set(["ROOMGUARD_CONFIG"]);

/**
 * Applies `ROOMGUARD_<SECTION>_<KEY>` variables on top of the file's document (defaults <
 * file < environment). Key words may be run together or split by `_`: `MAX_MESSAGE_SIZE`
 * and `MAXMESSAGESIZE` both name `maxMessageSize`. Values are read as YAML scalars, so
 * `true`, `5` and `tcp://…` mean what they look like. A variable that names no key is an
 * issue: it is usually a typo.
 */
export function applyEnvOverrides(
  document: Record<string, unknown>,
  env: Record<string, string | undefined>,
): { document: Record<string, unknown>; issues: ConfigIssue[] } {
  const result = structuredClone(document);
  const issues: ConfigIssue[] = [];
  for (const [name, value] of Object.entries(env).sort(([a], [b]) => a.localeCompare(b))) {
    if (!name.startsWith(ENV_PREFIX) || RESERVED.has(name) || value === undefined) continue;
    const words = name.slice(ENV_PREFIX.length).toLowerCase().split("_").filter(Boolean);
    const path = resolvePath(configSchema, words);
    if (!path) {
      issues.push({
        path: "",
        message: `environment variable ${name} names no config key; expected ROOMGUARD_<SECTION>_<KEY>, e.g. ROOMGUARD_ROUTER_ACCEPT_DEATH`,
      });
      continue;
    }
    setPath(result, path, parseYamlScalar(value));
  }
  return { document: result, issues };
}

/** Dotted key path of an override variable, as used in error messages. */
export function envVariableFor(path: string): string {
  return (
    ENV_PREFIX +
    path
      .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
      .replace(/\./g, "_")
      .toUpperCase()
  );
}

function resolvePath(schema: unknown, words: string[]): string[] | undefined {
  const shape = entriesOf(schema);
  if (!shape) return words.length === 0 ? [] : undefined;
  if (words.length === 0) return undefined;
  for (let taken = 1; taken <= words.length; taken++) {
    const candidate = words.slice(0, taken).join("");
    const key = Object.keys(shape).find((k) => k.toLowerCase() === candidate);
    if (key === undefined) continue;
    const rest = resolvePath(shape[key], words.slice(taken));
    if (rest) return [key, ...rest];
  }
  return undefined;
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== "object" || next === null || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1] as string] = value;
}

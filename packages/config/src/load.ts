import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { load as parseYaml, YAMLException } from "js-yaml";
import { applyEnvOverrides, envVariableFor } from "./env.js";
import { ConfigError } from "./errors.js";
import { configKeys } from "./reference.js";
import type { RoomguardConfig } from "./schema.js";
import { validateConfig } from "./validate.js";

/** Where the system-wide config lives (written by the deploy scripts). */
export const SYSTEM_CONFIG_PATH = "/etc/roomguard/config.yaml";

export interface LoadConfigOptions {
  /** `--config` from the command line; must exist when given. */
  configPath?: string | undefined;
  /** Environment, for `ROOMGUARD_CONFIG` and overrides. Default: `process.env`. */
  env?: Record<string, string | undefined>;
  /** Directory searched for `roomguard.yaml`. Default: `process.cwd()`. */
  cwd?: string;
  /** System-wide config path. Default: {@link SYSTEM_CONFIG_PATH}. */
  systemPath?: string;
}

export interface LoadedConfig {
  config: RoomguardConfig;
  /** The file read, or null when none was found and only defaults (and env) apply. */
  file: string | null;
  /** Directory relative paths in the config are resolved against. */
  baseDir: string;
  /** What is odd about the file but does not stop it being used (it has no settings), for the log. */
  warnings?: readonly string[];
}

/**
 * Finds the config file: `--config`, then `$ROOMGUARD_CONFIG`, then `./roomguard.yaml`,
 * then `/etc/roomguard/config.yaml`. A path given explicitly must exist; the last two are
 * optional. Returns null when no file is found.
 */
export function findConfigFile(options: LoadConfigOptions = {}): string | null {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const explicit = options.configPath ?? env.ROOMGUARD_CONFIG;
  if (explicit !== undefined && explicit !== "") {
    const file = path.resolve(cwd, explicit);
    if (!existsSync(file)) {
      const from = options.configPath !== undefined ? "--config" : "ROOMGUARD_CONFIG";
      throw new ConfigError([{ path: "", message: `config file ${file} (from ${from}) does not exist` }]);
    }
    return file;
  }
  for (const candidate of [path.join(cwd, "roomguard.yaml"), options.systemPath ?? SYSTEM_CONFIG_PATH]) {
    if (existsSync(candidate)) return candidate;
  }
  return null;
}

/**
 * Reads, overrides and validates the config. Throws {@link ConfigError} listing every
 * problem with its key path, what was expected, what was found, and where it came from.
 */
export function loadConfig(options: LoadConfigOptions = {}): LoadedConfig {
  const env = options.env ?? process.env;
  const file = findConfigFile(options);
  const text = file === null ? "" : readText(file);
  const parsed = parseConfigText(text, file ?? "(defaults)");
  const warnings = file !== null && parsed.isEmpty ? [emptyFileWarning(file, options)] : [];
  const overridden = applyEnvOverrides(parsed.document, env);
  if (overridden.issues.length > 0) throw new ConfigError(overridden.issues, file);

  const result = validateConfig(overridden.document);
  if (!result.ok) {
    const issues = result.issues.map((issue) => ({
      ...issue,
      source: env[envVariableFor(issue.path)] !== undefined ? envVariableFor(issue.path) : parsed.where(issue.path),
    }));
    throw new ConfigError(issues, file);
  }
  return {
    config: result.config,
    file,
    baseDir: file === null ? (options.cwd ?? process.cwd()) : path.dirname(file),
    ...(warnings.length > 0 ? { warnings } : {}),
  };
}

/**
 * The warning for a file with no settings at all (empty, only comments, `null`): it runs on every
 * default. Throws {@link ConfigError} for the installed Pi's config (the system path, as the
 * launcher's hints tell an installation): it was never set up so, and an empty one is surely a
 * mistake (a truncated write, a copy that failed).
 */
function emptyFileWarning(file: string, options: LoadConfigOptions): string {
  const message = `config file ${file} has no settings (it is empty, only comments, or null): every setting is its default`;
  if (file !== (options.systemPath ?? SYSTEM_CONFIG_PATH)) return message;
  throw new ConfigError(
    [
      {
        path: "",
        message:
          `${message}, which the installed appliance never is: a truncated write or a failed copy? ` +
          `Restore your settings (deploy/install.sh wrote ${file} from deploy/config.template.yaml); to run on the defaults on purpose, write {}`,
      },
    ],
    file,
  );
}

/** A config read as well as it could be, by {@link loadConfigLeniently}. */
export interface LenientConfig extends LoadedConfig {
  /** What {@link loadConfig} throws for this config; null when it is valid. */
  error: ConfigError | null;
  /** Whether the value at a dotted key path came from the file or the environment (false: it is the default). */
  isGiven: (dottedPath: string) => boolean;
}

/**
 * The config as well as it can be read, for tools that must reach a running appliance whatever
 * else is wrong in the file (`roomguard status`, `roomguard ctl quit`); never for starting one.
 * Every invalid value takes its default (a list as a whole), an unreadable file gives the
 * defaults, and a file YAML cannot parse still gives its one-line `key: value` settings. A file
 * named by `--config` or `$ROOMGUARD_CONFIG` that does not exist still throws.
 */
export function loadConfigLeniently(options: LoadConfigOptions = {}): LenientConfig {
  const file = findConfigFile(options);
  let error: ConfigError | null = null;
  let warnings: readonly string[] | undefined;
  try {
    warnings = loadConfig(options).warnings;
  } catch (caught) {
    if (!(caught instanceof ConfigError)) throw caught;
    error = caught;
  }
  let text = "";
  try {
    if (file !== null) text = readText(file);
  } catch {
    // Unreadable: the defaults, and `error` says why.
  }
  let document: Record<string, unknown>;
  try {
    document = parseConfigText(text, file ?? "(defaults)").document;
  } catch {
    document = oneLineSettings(text);
  }
  document = applyEnvOverrides(document, options.env ?? process.env).document;
  let result = validateConfig(document);
  // Removing a wrong value can expose another (a rule between two keys): a few rounds, then defaults.
  for (let round = 0; !result.ok && round < 5; round++) {
    for (const issue of result.issues) removeSetting(document, issue.path.split("."));
    result = validateConfig(document);
  }
  if (!result.ok) result = validateConfig((document = {}));
  if (!result.ok) throw error ?? new ConfigError(result.issues, file);
  const given = document;
  return {
    config: result.config,
    file,
    baseDir: file === null ? (options.cwd ?? process.cwd()) : path.dirname(file),
    ...(warnings ? { warnings } : {}),
    error,
    isGiven: (dottedPath) => valueAt(given, dottedPath.split(".")) !== undefined,
  };
}

/** The settings of a file YAML cannot parse that stand on one line of their own (`control: tcp://…`). */
function oneLineSettings(text: string): Record<string, unknown> {
  const lines = text.split("\n");
  const document: Record<string, unknown> = {};
  for (const key of configKeys()) {
    const keys = key.path.split(".");
    const line = lineOf(text, keys);
    const rest = line === undefined ? "" : (lines[line - 1] ?? "").replace(/^[^:]*:/, "").trim();
    if (rest === "" || rest.startsWith("#")) continue;
    try {
      const value = (parseYaml(`value: ${rest}`) as { value?: unknown } | null)?.value;
      let node = document;
      for (const name of keys.slice(0, -1)) node = (node[name] ??= {}) as Record<string, unknown>;
      node[keys[keys.length - 1] ?? ""] = value;
    } catch {
      // This line is not valid YAML either: its key keeps the default.
    }
  }
  return document;
}

/** Deletes the value at `keys` (a list as a whole); when nothing is there, the nearest section that is. */
function removeSetting(document: Record<string, unknown>, keys: readonly string[]): void {
  for (let length = keys.length; length > 0; length--) {
    let node: unknown = document;
    for (let i = 0; i < length; i++) {
      if (typeof node !== "object" || node === null) break;
      const record = node as Record<string, unknown>;
      const name = keys[i] ?? "";
      if (!(name in record)) break;
      if (i === length - 1 || Array.isArray(record[name])) {
        delete record[name];
        return;
      }
      node = record[name];
    }
  }
}

function valueAt(document: Record<string, unknown>, keys: readonly string[]): unknown {
  let node: unknown = document;
  for (const name of keys) node = typeof node === "object" && node !== null ? (node as Record<string, unknown>)[name] : undefined;
  return node;
}

/** Resolves a path from the config against the config file's directory. */
export function resolveConfigPath(loaded: LoadedConfig, configured: string): string {
  return path.resolve(loaded.baseDir, configured);
}

interface ParsedText {
  document: Record<string, unknown>;
  /** Nothing set at all: empty, blank lines and comments, or a `null` document (not `{}`, which says so on purpose). */
  isEmpty: boolean;
  /** `file:line` of the value at a dotted path, when the file has it. */
  where(dottedPath: string): string | undefined;
}

/** Parses YAML text into a plain document; syntax errors become a ConfigError with line and column. */
export function parseConfigText(text: string, file: string): ParsedText {
  let value: unknown;
  // Nothing but blank lines and comments is an empty config, not an error.
  if (isBlank(text)) value = null;
  else {
    try {
      value = parseYaml(text);
    } catch (error) {
      if (!(error instanceof YAMLException)) throw error;
      const at = error.mark ? `${file}:${error.mark.line + 1}:${error.mark.column + 1}` : file;
      throw new ConfigError([{ path: "", message: `YAML syntax: ${error.reason}`, source: at }], file);
    }
  }
  const isEmpty = value === null || value === undefined;
  if (isEmpty) value = {};
  if (typeof value !== "object" || Array.isArray(value)) {
    throw new ConfigError(
      [{ path: "", message: `expected sections of key: value lines, got ${Array.isArray(value) ? "a list" : JSON.stringify(value)}` }],
      file,
    );
  }
  return {
    document: value as Record<string, unknown>,
    isEmpty,
    where(dottedPath) {
      const line = lineOf(text, dottedPath.split("."));
      return line === undefined ? undefined : `${file}:${line}`;
    },
  };
}

function isBlank(text: string): boolean {
  return text.split("\n").every((line) => /^\s*(#.*)?$/.test(line));
}

/**
 * The 1-based line of a key in block-style YAML, found by indentation: each key of the
 * path must sit deeper than the one before, inside its block. Undefined when not found.
 */
function lineOf(text: string, path: readonly string[]): number | undefined {
  const lines = text.split("\n");
  let from = 0;
  let parentIndent = -1;
  let found: number | undefined;
  for (const key of path) {
    found = undefined;
    const pattern = new RegExp(`^(\\s*)(["']?)${key.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\2\\s*:`);
    for (let i = from; i < lines.length; i++) {
      const line = lines[i] ?? "";
      if (/^\s*(#.*)?$/.test(line)) continue;
      const indent = line.length - line.trimStart().length;
      if (indent <= parentIndent) break;
      const match = pattern.exec(line);
      if (match && (match[1] ?? "").length === indent) {
        found = i;
        parentIndent = indent;
        from = i + 1;
        break;
      }
    }
    if (found === undefined) return undefined;
  }
  return found === undefined ? undefined : found + 1;
}

function readText(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === "EACCES" ? "permission denied" : (error as Error).message;
    throw new ConfigError([{ path: "", message: `cannot read config file ${file}: ${reason}` }]);
  }
}

import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { load as parseYaml, YAMLException } from "js-yaml";
import { applyEnvOverrides, envVariableFor } from "./env.js";
import { ConfigError } from "./errors.js";
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
  return { config: result.config, file, baseDir: file === null ? (options.cwd ?? process.cwd()) : path.dirname(file) };
}

/** Resolves a path from the config against the config file's directory. */
export function resolveConfigPath(loaded: LoadedConfig, configured: string): string {
  return path.resolve(loaded.baseDir, configured);
}

interface ParsedText {
  document: Record<string, unknown>;
  /** `file:line` of the value at a dotted path, when the file has it. */
  where(dottedPath: string): string | undefined;
}

/** Parses YAML text into a plain document; syntax errors become a ConfigError with line and column. */
export function parseConfigText(text: string, file: string): ParsedText {
  let value: unknown;
  // Nothing but blank lines and comments is an empty config, not an error.
  if (text.split("\n").every((line) => /^\s*(#.*)?$/.test(line))) value = {};
  else {
    try {
      value = parseYaml(text);
    } catch (error) {
      if (!(error instanceof YAMLException)) throw error;
      const at = error.mark ? `${file}:${error.mark.line + 1}:${error.mark.column + 1}` : file;
      throw new ConfigError([{ path: "", message: `YAML syntax: ${error.reason}`, source: at }], file);
    }
  }
  if (value === null || value === undefined) value = {};
  if (typeof value !== "object" || Array.isArray(value)) {
    throw new ConfigError(
      [{ path: "", message: `expected sections of key: value lines, got ${Array.isArray(value) ? "a list" : JSON.stringify(value)}` }],
      file,
    );
  }
  return {
    document: value as Record<string, unknown>,
    where(dottedPath) {
      const line = lineOf(text, dottedPath.split("."));
      return line === undefined ? undefined : `${file}:${line}`;
    },
  };
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

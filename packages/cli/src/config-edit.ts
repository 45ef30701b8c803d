import { readFile } from "node:fs/promises";
import { isDeepStrictEqual } from "node:util";
import { parseConfigText, validateConfig } from "@roomguard/config";
import { replaceFile } from "./replace-file.js";
import { YamlEditError } from "./yaml-splice.js";

/** The config file cannot be edited: there is none, it cannot be read or written, or the edit would not read as meant. */
export class ConfigEditError extends Error {
  readonly code = "ECONFIGEDIT";
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ConfigEditError";
  }
}

/** A config file's text, read for an edit, and what the services' own parser reads in it. */
export interface ConfigText {
  file: string;
  text: string;
  document: Record<string, unknown>;
}

/**
 * Reads the config file in use (`file`, as `loadConfig` found it) for an edit that writes `what`.
 * Throws {@link ConfigEditError} when there is none or it cannot be read, and the config's
 * ConfigError when it is not YAML.
 */
export async function readConfigText(file: string | null, what: string): Promise<ConfigText> {
  if (file === null) {
    throw new ConfigEditError(
      `no config file to write ${what} into: none was given (--config, $ROOMGUARD_CONFIG) and there is no ./roomguard.yaml or /etc/roomguard/config.yaml`,
    );
  }
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new ConfigEditError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, { cause: error });
  }
  // The parser the services use: what they will read is what is checked after the edit.
  return { file, text, document: parseConfigText(text, file).document };
}

/**
 * Throws {@link ConfigEditError} when `splice` cannot edit the file's layout: a check before
 * asking a person for a password that could not be written anyway.
 */
export function checkEditable(config: ConfigText, splice: (text: string) => string): void {
  spliced(config, splice);
}

function spliced(config: ConfigText, splice: (text: string) => string): string {
  try {
    return splice(config.text);
  } catch (error) {
    if (!(error instanceof YamlEditError)) throw error;
    throw new ConfigEditError(`cannot edit ${config.file}: ${error.message}. Nothing was written`, { cause: error });
  }
}

/**
 * Writes `splice(config.text)` over the file, replaced atomically with its mode and owner kept,
 * once the services' parser reads in it exactly `config.document` changed by `intend` (which
 * changes a copy in place) and the config has no problem it did not have before. Throws
 * {@link ConfigEditError} saying why otherwise, the file untouched.
 */
export async function writeConfigText(
  config: ConfigText,
  splice: (text: string) => string,
  intend: (document: Record<string, unknown>) => void,
): Promise<void> {
  const { file, text, document } = config;
  const edited = spliced(config, splice);
  const expected = structuredClone(document);
  intend(expected);
  const after = parseConfigText(edited, file).document;
  if (!isDeepStrictEqual(after, expected))
    throw new ConfigEditError("the edited file would read otherwise than intended; nothing was written (please report this)");
  const issues = (value: unknown): string[] => {
    const result = validateConfig(value);
    return result.ok ? [] : result.issues.map((issue) => `${issue.path}: ${issue.message}`);
  };
  const old = new Set(issues(document));
  const added = issues(after).filter((issue) => !old.has(issue));
  if (added.length > 0)
    throw new ConfigEditError(`the change would make the config invalid: ${added.join("; ")}; nothing was written (please report this)`);
  try {
    await replaceFile(file, edited, text);
  } catch (error) {
    throw new ConfigEditError(`cannot write ${file}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

/** The mapping at `path` in a parsed document, made (as the splices make it) where missing. */
export function mappingAt(document: Record<string, unknown>, path: readonly string[]): Record<string, unknown> {
  let node = document;
  for (const key of path) {
    const next = node[key];
    node = (typeof next === "object" && next !== null && !Array.isArray(next) ? next : (node[key] = {})) as Record<string, unknown>;
  }
  return node;
}

/** The list at `path` in a parsed document, made where missing. */
export function listAt(document: Record<string, unknown>, path: readonly string[]): unknown[] {
  const parent = mappingAt(document, path.slice(0, -1));
  const key = path.at(-1) ?? "";
  const list = parent[key];
  return Array.isArray(list) ? list : (parent[key] = []);
}

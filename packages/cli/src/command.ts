import { loadConfigLeniently, type LenientConfig } from "@roomguard/config";
import { createHints, hereFacts, type Hints } from "@roomguard/launcher/hints";
import type { Output } from "./output.js";

/**
 * What a command reads of the config. A problem in a key it `needs` stops it (exit 78), unless
 * `needsMayDefault`: then that key takes its default. A problem anywhere else is a warning: a
 * broken section the command does not use must not lock the user out of a running appliance.
 */
export interface ConfigUse {
  needs: readonly string[];
  needsMayDefault?: boolean;
}

/** What every command receives. */
export interface CommandContext {
  output: Output;
  /** Ends long-running commands (Ctrl-C, SIGTERM). */
  signal: AbortSignal;
  /** The config, found as every roomguard process finds it (`--config`, `$ROOMGUARD_CONFIG`, …), read as `use` says. */
  loadConfig(configPath: string | undefined, use: ConfigUse): LenientConfig;
  /** Commands spelled for where the user is (a checkout, the Pi's installation); after loadConfig, for its file. */
  hints(): Hints;
  /** Standard input, for `send -` and `client`. */
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
}

/** A command: parses its own arguments, returns the exit code. */
export interface Command {
  summary: string;
  usage: string;
  run(argv: string[], context: CommandContext): Promise<number>;
}

/** Options every bus command takes. */
export const connectionOptions = {
  config: { type: "string", short: "c" },
  timeout: { type: "string", default: "3000" },
  help: { type: "boolean", short: "h" },
} as const;

/** The keys a bus client reads. */
export const BUS_KEYS = ["bus.in", "bus.out", "bus.maxMessageSize", "bus.keys"] as const;

/** Whether a config issue's dotted path is `key`, inside it, or a section holding it ("" is the whole file). */
export function touches(issuePath: string, key: string): boolean {
  return issuePath === "" || issuePath === key || issuePath.startsWith(`${key}.`) || key.startsWith(`${issuePath}.`);
}

/**
 * `loadConfig` and `hints` for the command `word`: the config read leniently, its problems
 * printed as a warning naming what the command carries on with.
 */
export function configAccess(word: string, output: Output): Pick<CommandContext, "loadConfig" | "hints"> {
  let configFile: string | null | undefined;
  const hints = (): Hints => createHints(hereFacts(configFile));
  return {
    hints,
    loadConfig(configPath, use) {
      const loaded = loadConfigLeniently({ configPath });
      configFile = loaded.file;
      for (const warning of loaded.warnings ?? []) output.err(`roomguard ${word}: warning: ${warning}`);
      const { error } = loaded;
      if (error === null) return loaded;
      const broken = use.needs.filter((key) => error.issues.some((issue) => issue.path !== "" && touches(issue.path, key)));
      if (broken.length > 0 && !use.needsMayDefault) throw error;
      const value = (key: string): string => {
        let node: unknown = loaded.config;
        for (const name of key.split(".")) node = (node as Record<string, unknown>)[name];
        return `${key} = ${JSON.stringify(node)} (${loaded.isGiven(key) ? "from the file" : "the default"})`;
      };
      output.err(`roomguard ${word}: warning: ${error.message}`);
      // A file this user may not read (the Pi's is the roomguard group's) is not one to fix.
      const unreadable = error.issues.every((issue) => issue.message.startsWith("cannot read config file"));
      output.err(
        `roomguard ${word}: carrying on${use.needs.length > 0 ? ` with what it needs: ${use.needs.map(value).join(", ")}` : ""}.` +
          (unreadable ? "" : ` Fix the config before the next \`${hints().start()}\`: it refuses an invalid one (exit 78).`),
      );
      return loaded;
    },
  };
}

/** `--timeout` in milliseconds, checked. */
export function timeoutMs(value: string | undefined): number {
  const ms = Number(value ?? "3000");
  if (!Number.isFinite(ms) || ms <= 0) throw new Error(`--timeout: expected milliseconds greater than 0, got "${value ?? ""}"`);
  return ms;
}

import { loadConfig, type LoadedConfig } from "@roomguard/config";
import type { Output } from "./output.js";

/** What every command receives. */
export interface CommandContext {
  output: Output;
  /** Ends long-running commands (Ctrl-C, SIGTERM). */
  signal: AbortSignal;
  /** The config, found as every roomguard process finds it (`--config`, `$ROOMGUARD_CONFIG`, …). */
  loadConfig(configPath: string | undefined): LoadedConfig;
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

export const defaultLoadConfig = (configPath: string | undefined): LoadedConfig => loadConfig({ configPath });

/** `--timeout` in milliseconds, checked. */
export function timeoutMs(value: string | undefined): number {
  const ms = Number(value ?? "3000");
  if (!Number.isFinite(ms) || ms <= 0) throw new Error(`--timeout: expected milliseconds greater than 0, got "${value ?? ""}"`);
  return ms;
}

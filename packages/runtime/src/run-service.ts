import { ConfigError, formatIssue, loadConfig, type LoadedConfig, type RoomguardConfig } from "@roomguard/config";
import { ExitCode } from "./exit-codes.js";
import { createLogger, type Logger } from "./log.js";

/** What a service's start function receives. */
export interface ServiceContext {
  loaded: LoadedConfig;
  config: RoomguardConfig;
  log: Logger;
  /** Asks for a clean stop, as SIGTERM would (e.g. on a `CONTROL: <service> STOP`). */
  requestStop: (reason: string) => void;
  /** Reports an unrecoverable failure: logged, then the process exits 1 so it is restarted. */
  fail: (error: Error) => void;
}

/** A started service. `stop()` releases everything it holds. */
export interface RunningService {
  stop(): Promise<void>;
}

export interface RunServiceOptions {
  /** Command-line arguments after the program name; `--config <file>` is read from them. */
  argv?: readonly string[];
  /** Longest a clean stop may take before the process exits anyway. Default 1500 ms. */
  stopTimeoutMs?: number;
  /** Where log lines go. Default stdout. */
  stream?: { write(text: string): unknown; isTTY?: boolean };
}

/**
 * The lifecycle shared by every roomguard process: config → logger → start → wait for
 * SIGINT/SIGTERM (or a stop request) → stop with a time cap → exit 0. An invalid config
 * exits 78, any other failure to start exits 1. Call it from `main.ts` only.
 */
export async function runService(
  name: string,
  start: (context: ServiceContext) => Promise<RunningService>,
  options: RunServiceOptions = {},
): Promise<void> {
  const argv = options.argv ?? process.argv.slice(2);
  let loaded: LoadedConfig;
  try {
    loaded = loadConfig({ configPath: configPathFrom(argv) });
  } catch (error) {
    const log = createLogger({ service: name, ...(options.stream ? { stream: options.stream } : {}) });
    if (error instanceof ConfigError) {
      log.error(`${error.message}`, { code: error.code, issues: error.issues.map(formatIssue) });
      process.exit(ExitCode.config);
    }
    log.error("cannot load the config", { error });
    process.exit(ExitCode.failure);
  }

  const log = createLogger({
    service: name,
    level: loaded.config.log.level,
    format: loaded.config.log.format,
    ...(options.stream ? { stream: options.stream } : {}),
  });
  process.on("uncaughtException", (error) => {
    log.error("uncaught exception", { error, stack: error.stack });
    process.exit(ExitCode.failure);
  });
  process.on("unhandledRejection", (reason) => {
    log.error("unhandled promise rejection", { error: reason });
    process.exit(ExitCode.failure);
  });

  let stopReason: string | undefined;
  let running: RunningService | undefined;
  const stopTimeoutMs = options.stopTimeoutMs ?? 1500;
  const finish = (service: RunningService | undefined): void => {
    const cap = setTimeout(() => {
      log.error("stop took too long: exiting anyway", { timeoutMs: stopTimeoutMs });
      process.exit(ExitCode.failure);
    }, stopTimeoutMs);
    cap.unref();
    void (service?.stop() ?? Promise.resolve()).then(
      () => {
        log.info("stopped");
        process.exit(ExitCode.ok);
      },
      (error: unknown) => {
        log.error("error while stopping", { error });
        process.exit(ExitCode.failure);
      },
    );
  };
  // A service lives until it is stopped, even while it waits on nothing but the bus.
  const keepAlive = setInterval(() => undefined, 1 << 30);
  const stop = (reason: string): void => {
    if (stopReason !== undefined) {
      log.warn("second stop request: exiting now", { reason });
      process.exit(ExitCode.failure);
    }
    stopReason = reason;
    clearInterval(keepAlive);
    log.info("stopping", { reason });
    // A stop asked for while starting waits for start() to hand over what to stop.
    if (running) finish(running);
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));

  log.info("starting", { config: loaded.file ?? "(none found: defaults)", pid: process.pid });
  for (const warning of loaded.warnings ?? []) log.warn(warning);
  try {
    const fail = (error: Error): void => {
      log.error("fatal", { error });
      process.exit(ExitCode.failure);
    };
    running = await start({ loaded, config: loaded.config, log, requestStop: stop, fail });
  } catch (error) {
    // A service's own config checks fail like the schema's: the same message and issue list, exit 78.
    if (error instanceof ConfigError) {
      log.error(error.message, { code: error.code, issues: error.issues.map(formatIssue) });
      process.exit(ExitCode.config);
    }
    log.error("failed to start", { error });
    process.exit(ExitCode.failure);
  }
  if (stopReason !== undefined) finish(running);
}

/** `--config FILE` or `--config=FILE`, if present. */
export function configPathFrom(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    if (arg === "--config" || arg === "-c") return argv[i + 1];
    if (arg.startsWith("--config=")) return arg.slice("--config=".length);
  }
  return undefined;
}

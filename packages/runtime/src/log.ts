import { inspect } from "node:util";

export type LogLevel = "debug" | "info" | "warn" | "error";
export type LogFormat = "json" | "pretty" | "auto";
export type LogFields = Record<string, unknown>;

const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const COLOURS: Record<LogLevel, string> = { debug: "\x1b[90m", info: "\x1b[36m", warn: "\x1b[33m", error: "\x1b[31m" };

/** A namespaced logger. JSON lines for journald, or pretty lines for a person at a terminal. */
export interface Logger {
  readonly level: LogLevel;
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** Logs the first time `key` is seen in this logger tree, and never again: for per-message noise. */
  once(level: LogLevel, key: string, message: string, fields?: LogFields): void;
  /** A logger for a part of the service: `router` → `router:journal`. */
  child(namespace: string): Logger;
}

export interface LoggerOptions {
  /** Name of the process, on every line. */
  service: string;
  /** Least important level written. Default `info`. */
  level?: LogLevel;
  /** `auto` (default) is pretty when the stream is a terminal. */
  format?: LogFormat;
  /** Where lines go. Default `process.stdout`. */
  stream?: { write(text: string): unknown; isTTY?: boolean };
  /** Milliseconds since the epoch. Default `Date.now`. */
  now?: () => number;
}

export function createLogger(options: LoggerOptions): Logger {
  const stream = options.stream ?? process.stdout;
  const pretty = options.format === "pretty" || ((options.format ?? "auto") === "auto" && stream.isTTY === true);
  const colour = pretty && stream.isTTY === true && !process.env.NO_COLOR;
  const level = options.level ?? "info";
  const now = options.now ?? Date.now;
  const seen = new Set<string>();

  function make(namespace: string | undefined): Logger {
    const write = (lineLevel: LogLevel, message: string, fields?: LogFields): void => {
      if (LEVELS[lineLevel] < LEVELS[level]) return;
      const time = now();
      const text = pretty
        ? prettyLine(time, lineLevel, options.service, namespace, message, fields, colour)
        : jsonLine(time, lineLevel, options.service, namespace, message, fields);
      stream.write(text + "\n");
    };
    return {
      level,
      debug: (message, fields) => write("debug", message, fields),
      info: (message, fields) => write("info", message, fields),
      warn: (message, fields) => write("warn", message, fields),
      error: (message, fields) => write("error", message, fields),
      once(lineLevel, key, message, fields) {
        const scoped = `${namespace ?? ""}\0${key}`;
        if (seen.has(scoped)) return;
        seen.add(scoped);
        write(lineLevel, message, fields);
      },
      child: (child) => make(namespace ? `${namespace}:${child}` : child),
    };
  }
  return make(undefined);
}

function jsonLine(time: number, level: LogLevel, service: string, ns: string | undefined, msg: string, fields?: LogFields): string {
  const record: Record<string, unknown> = { time: new Date(time).toISOString(), level, service };
  if (ns) record.ns = ns;
  record.msg = msg;
  for (const [key, value] of Object.entries(fields ?? {})) record[key] = serialisable(value);
  return JSON.stringify(record);
}

function prettyLine(
  time: number,
  level: LogLevel,
  service: string,
  ns: string | undefined,
  msg: string,
  fields: LogFields | undefined,
  colour: boolean,
): string {
  const clock = new Date(time).toISOString().slice(11, 23);
  const tag = level.toUpperCase().padEnd(5);
  const who = ns ? `${service}:${ns}` : service;
  const extras = Object.entries(fields ?? {})
    .map(
      ([key, value]) =>
        `${key}=${typeof value === "string" && !/\s/.test(value) ? value : inspect(serialisable(value), { breakLength: Infinity, depth: 4 })}`,
    )
    .join(" ");
  const head = colour ? `\x1b[90m${clock}\x1b[0m ${COLOURS[level]}${tag}\x1b[0m ${who}` : `${clock} ${tag} ${who}`;
  return `${head}  ${msg}${extras ? "  " + extras : ""}`;
}

/** Errors become {message, code, cause}; everything else is left to JSON.stringify. */
function serialisable(value: unknown): unknown {
  if (value instanceof Error) {
    const error = value as Error & { code?: unknown };
    return {
      message: error.message,
      ...(error.code !== undefined ? { code: error.code } : {}),
      ...(error.cause !== undefined ? { cause: serialisable(error.cause) } : {}),
    };
  }
  if (typeof value === "bigint") return value.toString();
  return value;
}

/** One JSON log line of any roomguard process (`level` and `msg` at least), or null when it is not one. */
export function parseLogLine(text: string): Record<string, unknown> | null {
  if (!text.startsWith("{")) return null;
  let record: unknown;
  try {
    record = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof record !== "object" || record === null) return null;
  const { level, msg } = record as Record<string, unknown>;
  return typeof level === "string" && level in LEVELS && typeof msg === "string" ? (record as Record<string, unknown>) : null;
}

/**
 * One JSON log line of any roomguard process, shown as the pretty format would have shown it
 * (the launcher shows its services' output this way on a terminal). Null when it is not one.
 */
export function prettyFromJson(text: string, colour: boolean): string | null {
  const record = parseLogLine(text);
  if (!record) return null;
  const { time, level, service, ns, msg, ...fields } = record;
  const at = typeof time === "string" ? Date.parse(time) : NaN;
  return prettyLine(
    Number.isNaN(at) ? Date.now() : at,
    level as LogLevel,
    typeof service === "string" ? service : "?",
    typeof ns === "string" ? ns : undefined,
    msg as string,
    fields,
    colour,
  );
}

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
  /**
   * Logs the first time `key` is seen in this logger tree, and never again: for per-message noise.
   * Bounded, since keys and texts may come from anyone on the bus: the key, the message and string
   * fields are cut to {@link ONCE_TEXT_CHARS}, and past {@link ONCE_KEYS} distinct keys further
   * ones are not logged (one line says so). A line below the logger's level is not remembered.
   */
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

/** Distinct `once` keys a logger tree remembers: far more than a service's own kinds of problem. */
export const ONCE_KEYS = 1000;
/** Longest key, message or string field of a `once` line, in characters: enough to tell problems apart. */
export const ONCE_TEXT_CHARS = 200;

export function createLogger(options: LoggerOptions): Logger {
  const stream = options.stream ?? process.stdout;
  const pretty = options.format === "pretty" || ((options.format ?? "auto") === "auto" && stream.isTTY === true);
  const colour = pretty && stream.isTTY === true && !process.env.NO_COLOR;
  const level = options.level ?? "info";
  const now = options.now ?? Date.now;
  const seen = new Set<string>();
  let full = false;

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
        if (LEVELS[lineLevel] < LEVELS[level]) return;
        const scoped = `${namespace ?? ""}\0${clip(key)}`;
        if (seen.has(scoped)) return;
        if (seen.size >= ONCE_KEYS) {
          // Forgetting old keys instead would let a sender who cycles through more keys fill the log.
          if (!full)
            write("warn", `too many distinct problems to log each once: no more new ones are logged until a restart`, {
              example: clip(message),
            });
          full = true;
          return;
        }
        seen.add(scoped);
        write(lineLevel, clip(message), fields && clipped(fields));
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

/** `text` cut to {@link ONCE_TEXT_CHARS}, saying how long it was. */
function clip(text: string): string {
  if (text.length <= ONCE_TEXT_CHARS) return text;
  // A copy: V8's slice of a long string keeps the whole string alive.
  const head = Buffer.from(text.slice(0, ONCE_TEXT_CHARS)).toString();
  return `${head}… (${text.length} characters)`;
}

/** Fields with every string cut (errors first serialised), lists and objects to their first 20 entries, 4 levels deep. */
function clipped(fields: LogFields): LogFields {
  const cut = (value: unknown, depth: number): unknown => {
    if (typeof value === "string") return clip(value);
    if (typeof value !== "object" || value === null) return value;
    if (depth >= 4) return "…";
    if (Array.isArray(value)) return value.slice(0, 20).map((item) => cut(item, depth + 1));
    const entries = Object.entries(value as Record<string, unknown>).slice(0, 20);
    return Object.fromEntries(entries.map(([key, item]) => [key, cut(serialisable(item), depth + 1)]));
  };
  return cut(fields, 0) as LogFields;
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

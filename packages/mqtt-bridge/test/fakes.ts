// Fakes the bridge's pure parts are tested with: a logger that records every call, and a bus message maker.
import assert from "node:assert/strict";
import { parseMessage, type BusMessage } from "@roomguard/bus";
import type { LogFields, Logger, LogLevel } from "@roomguard/runtime";

export interface LogCall {
  level: LogLevel;
  message: string;
  fields?: LogFields;
  /** The `once` key, for once calls. */
  key?: string;
}

/** A logger that records every call (once calls only the first time per key, as the real one writes them). */
export class RecordingLogger implements Logger {
  readonly level = "debug";
  readonly calls: LogCall[] = [];
  /** Every `once` call, repeats included: what was asked of the logger, not only what it wrote. */
  readonly onceAsked: LogCall[] = [];
  private readonly seen = new Set<string>();

  debug(message: string, fields?: LogFields): void {
    this.calls.push({ level: "debug", message, ...(fields ? { fields } : {}) });
  }
  info(message: string, fields?: LogFields): void {
    this.calls.push({ level: "info", message, ...(fields ? { fields } : {}) });
  }
  warn(message: string, fields?: LogFields): void {
    this.calls.push({ level: "warn", message, ...(fields ? { fields } : {}) });
  }
  error(message: string, fields?: LogFields): void {
    this.calls.push({ level: "error", message, ...(fields ? { fields } : {}) });
  }
  once(level: LogLevel, key: string, message: string, fields?: LogFields): void {
    const call = { level, key, message, ...(fields ? { fields } : {}) };
    this.onceAsked.push(call);
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.calls.push(call);
  }
  child(): Logger {
    return this;
  }

  /** Everything any call was given, as one text to search. */
  text(): string {
    return JSON.stringify([this.calls, this.onceAsked]);
  }
}

export function message(text: string): BusMessage {
  const parsed = parseMessage(text);
  assert.ok(parsed.ok, `not a bus message: ${text}`);
  return parsed.message;
}

/**
 * The bus message format: one UTF-8 frame `TOPIC: rest`, or a bare `TOPIC` (lala-pi's
 * `DEATH`). Subscribing is a byte-prefix match, so subscribe to `KEY:` (with the colon):
 * a bare `DOOR` would also match `DOORSERVER: …`.
 */

import { TOPIC_PATTERN } from "@roomguard/config";

/** A topic: an upper-case letter, then upper-case letters, digits or `_`; the config's definition. */
export { TOPIC_PATTERN };

/** The default largest message, in bytes (config `bus.maxMessageSize`). */
export const DEFAULT_MAX_MESSAGE_SIZE = 64 * 1024;

/** A well-formed bus message. */
export interface BusMessage {
  /** `KEY` */
  readonly topic: string;
  /** Everything after `TOPIC: `, e.g. `LEFT`; empty for a bare topic. */
  readonly rest: string;
  /** The whole message as sent, e.g. `KEY: LEFT`. */
  readonly text: string;
}

export type MessageErrorCode = "ETOPIC" | "EMSGSIZE" | "EUTF8" | "EFRAMES" | "EEMPTY" | "ESUBJECT" | "EPAYLOAD";

/** A message that does not follow the format, with what was wrong. */
export class MessageError extends Error {
  readonly code: MessageErrorCode;

  constructor(code: MessageErrorCode, message: string) {
    super(message);
    this.name = "MessageError";
    this.code = code;
  }
}

export type ParseResult = { ok: true; message: BusMessage } | { ok: false; error: MessageError };

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });
const MESSAGE_PATTERN = /^([^:\s]*)(?::[ ]?([\s\S]*))?$/;

/**
 * Parses one frame (or the frames of one received message). Never throws: a malformed
 * message comes back as `{ ok: false, error }` naming what was wrong.
 */
export function parseMessage(data: string | Uint8Array | readonly Uint8Array[], maxSize: number = DEFAULT_MAX_MESSAGE_SIZE): ParseResult {
  let text: string;
  if (typeof data === "string") {
    text = data;
    const size = Buffer.byteLength(text);
    if (size > maxSize) return fail("EMSGSIZE", `message is ${size} bytes, more than the ${maxSize} allowed`);
  } else {
    const frames = data instanceof Uint8Array ? [data] : data;
    if (frames.length !== 1) return fail("EFRAMES", `expected one frame, got ${frames.length}`);
    const frame = frames[0] as Uint8Array;
    if (frame.length > maxSize) return fail("EMSGSIZE", `message is ${frame.length} bytes, more than the ${maxSize} allowed`);
    try {
      text = strictUtf8.decode(frame);
    } catch {
      return fail("EUTF8", "message is not valid UTF-8");
    }
  }
  if (text.length === 0) return fail("EEMPTY", "message is empty");
  const match = MESSAGE_PATTERN.exec(text);
  const topic = match?.[1] ?? "";
  if (!match || !TOPIC_PATTERN.test(topic)) {
    return fail("ETOPIC", `expected "TOPIC: rest" with TOPIC matching [A-Z][A-Z0-9_]*, got ${preview(text)}`);
  }
  return { ok: true, message: { topic, rest: match[2] ?? "", text } };
}

/** Builds `TOPIC: rest` (or a bare `TOPIC`), checking the topic and the size. Throws {@link MessageError}. */
export function formatMessage(topic: string, rest = "", maxSize: number = DEFAULT_MAX_MESSAGE_SIZE): string {
  if (!TOPIC_PATTERN.test(topic)) {
    throw new MessageError("ETOPIC", `expected a topic matching [A-Z][A-Z0-9_]*, got ${preview(topic)}`);
  }
  const text = rest === "" ? topic : `${topic}: ${rest}`;
  const size = Buffer.byteLength(text);
  if (size > maxSize) throw new MessageError("EMSGSIZE", `message is ${size} bytes, more than the ${maxSize} allowed`);
  return text;
}

/** Checks a whole message text before it is sent. Throws {@link MessageError}. */
export function checkMessage(text: string, maxSize: number = DEFAULT_MAX_MESSAGE_SIZE): BusMessage {
  const result = parseMessage(text, maxSize);
  if (!result.ok) throw result.error;
  return result.message;
}

/** The subscription prefix for every message of a topic: `KEY` → `KEY:`. */
export function topicPrefix(topic: string): string {
  return `${topic}:`;
}

/** A short, printable rendering of untrusted text for error messages. */
export function preview(text: string, limit = 40): string {
  const shown = JSON.stringify(text.length > limit ? `${text.slice(0, limit)}…` : text);
  return shown;
}

function fail(code: MessageErrorCode, message: string): ParseResult {
  return { ok: false, error: new MessageError(code, message) };
}

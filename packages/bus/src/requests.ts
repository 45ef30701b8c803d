import { preview } from "./message.js";

/**
 * The request/reply wire format (docs/protocol.md, "Requests and replies"): one JSON frame
 * each way.
 *
 * ```
 * {"id":"8f3c…","command":"status","args":{"wide":true}}
 * {"id":"8f3c…","ok":true,"result":{…}}
 * {"id":"8f3c…","ok":false,"error":{"code":"refused","message":"unknown service \"keypda\"; services: router, keypad"}}
 * ```
 */
export interface RequestMessage {
  /** Chosen by the client (random), echoed in the reply. At most {@link MAX_REQUEST_ID_LENGTH} characters. */
  id: string;
  command: string;
  args?: Record<string, unknown>;
}

/** Error codes a server answers with. */
const SERVER_ERROR_CODES = ["bad-request", "unknown-command", "refused", "failed"] as const;
export type ServerErrorCode = (typeof SERVER_ERROR_CODES)[number];

/**
 * Why a {@link request} failed: the server's code, or one the client found itself —
 * `no-service` (nothing listens at the endpoint), `timeout` (connected, no answer in time),
 * `bad-reply` (the answer is not a reply to this request).
 */
export type RequestErrorCode = ServerErrorCode | "no-service" | "timeout" | "bad-reply";

export type ReplyMessage =
  | { id: string | null; ok: true; result: Record<string, unknown> }
  | { id: string | null; ok: false; error: { code: ServerErrorCode; message: string } };

export const MAX_REQUEST_ID_LENGTH = 128;

/**
 * Thrown by a request handler to refuse (an unknown service name, a wrong code): the client
 * gets `code` (`refused`, or `bad-request` for arguments of the wrong shape) and the message.
 */
export class RequestRefused extends Error {
  constructor(
    message: string,
    readonly code: "refused" | "bad-request" = "refused",
  ) {
    super(message);
    this.name = "RequestRefused";
  }
}

/**
 * How a request failed, on the client side. `reason` is the server's own message for a server
 * code, the short cause for `no-service` and `timeout` ("there is no socket file"), for a
 * message of the caller's own.
 */
export class RequestError extends Error {
  constructor(
    readonly code: RequestErrorCode,
    message: string,
    readonly details: { endpoint: string; command: string; reason?: string; cause?: unknown },
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = "RequestError";
  }

  get endpoint(): string {
    return this.details.endpoint;
  }

  /** The server's message (`refused`, `unknown-command`, `bad-request`, `failed`), the cause (`no-service`, `timeout`), else the message. */
  get reason(): string {
    return this.details.reason ?? this.message;
  }
}

export type ParsedRequest =
  | { ok: true; request: RequestMessage }
  /** `id` when one could be read from the garbage, so the reply can still carry it. */
  | { ok: false; id: string | null; kind: string; message: string };

/** Checks one request frame. Never throws: anything wrong is a `bad-request` to answer. */
export function parseRequest(body: Buffer): ParsedRequest {
  const text = body.toString("utf8");
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, id: null, kind: "json", message: `expected a JSON request, got ${preview(text)}` };
  }
  if (!isPlainObject(value)) {
    return { ok: false, id: null, kind: "shape", message: `expected a JSON object {"id","command","args"}, got ${preview(text)}` };
  }
  const id = isRequestId(value.id) ? value.id : null;
  const bad = (kind: string, message: string): ParsedRequest => ({ ok: false, id, kind, message });
  if (id === null) return bad("id", `expected "id" to be a string of 1 to ${MAX_REQUEST_ID_LENGTH} characters`);
  if (typeof value.command !== "string" || value.command === "") return bad("command", `expected "command" to be a non-empty string`);
  if (value.args !== undefined && !isPlainObject(value.args)) return bad("args", `expected "args" to be a JSON object when given`);
  const extra = Object.keys(value).filter((key) => key !== "id" && key !== "command" && key !== "args");
  if (extra.length > 0) return bad("fields", `unexpected field ${extra.map((key) => JSON.stringify(key)).join(", ")} in a request`);
  return { ok: true, request: { id, command: value.command, ...(value.args === undefined ? {} : { args: value.args }) } };
}

export type ParsedReply = { ok: true; reply: ReplyMessage } | { ok: false; message: string };

/** Checks one reply frame against the id that was sent. */
export function parseReply(body: Buffer, id: string): ParsedReply {
  const text = body.toString("utf8");
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, message: `expected a JSON reply, got ${preview(text)}` };
  }
  if (!isPlainObject(value) || typeof value.ok !== "boolean") {
    return { ok: false, message: `expected a JSON object {"id","ok",…}, got ${preview(text)}` };
  }
  if (value.id !== id) return { ok: false, message: `expected the reply to request ${JSON.stringify(id)}, got one to ${shown(value.id)}` };
  if (value.ok) {
    if (!isPlainObject(value.result)) return { ok: false, message: `expected "result" to be a JSON object` };
    return { ok: true, reply: { id, ok: true, result: value.result } };
  }
  const error = value.error;
  if (!isPlainObject(error) || typeof error.message !== "string" || !isServerErrorCode(error.code)) {
    return {
      ok: false,
      message: `expected "error" to be {"code": one of ${SERVER_ERROR_CODES.join(", ")}, "message": text}, got ${shown(error)}`,
    };
  }
  return { ok: true, reply: { id, ok: false, error: { code: error.code, message: error.message } } };
}

export function isServerErrorCode(code: unknown): code is ServerErrorCode {
  return typeof code === "string" && (SERVER_ERROR_CODES as readonly string[]).includes(code);
}

/** Whether `id` may be a request id: a string of 1 to {@link MAX_REQUEST_ID_LENGTH} characters. */
export function isRequestId(id: unknown): id is string {
  return typeof id === "string" && id.length > 0 && id.length <= MAX_REQUEST_ID_LENGTH;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A value as JSON, cut short for a message. */
function shown(value: unknown): string {
  const json = JSON.stringify(value) ?? "nothing";
  return json.length > 60 ? `${json.slice(0, 60)}…` : json;
}

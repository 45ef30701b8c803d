import { chmodSync } from "node:fs";
import { Router } from "zeromq";
import type { Logger } from "@roomguard/runtime";
import { bindOrExplain } from "./bind.js";
import { preview } from "./message.js";
import { isPlainObject, parseRequest, RequestRefused, type ReplyMessage, type RequestMessage, type ServerErrorCode } from "./requests.js";
import { sendQueue } from "./send-queue.js";

/** Answers one command: a JSON object, or a promise of one. Throw {@link RequestRefused} to refuse. */
export type RequestHandler = (args: Record<string, unknown>) => Promise<object> | object;

/** The commands a service serves, by name. */
export type RequestHandlers = Readonly<Record<string, RequestHandler>>;

export interface ServeRequestsOptions {
  /**
   * Where to listen: `ipc://…` (the socket file is made mode 0660: this user and its group) or a
   * loopback `tcp://127.0.0.1:…` (every local user; `:*` picks a free port, see {@link RequestServer.endpoint}).
   */
  endpoint: string;
  /** The serving service's name, for the log and a bind error ("another launcher?"). */
  service: string;
  /** The config key the endpoint comes from, named in a bind error. Default `"<service> requests"`. */
  configKey?: string;
  handlers: RequestHandlers;
  /** Said once per kind of bad request; handler failures at warn; every request at debug (never its args, nor an unknown command's name: they may hold a secret). */
  log: Logger;
  /**
   * Largest request answered, in bytes. Default 64 KiB. A larger one up to twice this is answered
   * `bad-request`; beyond that ZeroMQ cuts the sender's connection before the request is read.
   */
  maxRequestBytes?: number;
  /** Requests handled at once; further ones wait in ZeroMQ's queues, which then push back on the senders. Default 32. */
  maxInFlight?: number;
}

export interface RequestServer {
  /** The endpoint bound (with the port ZeroMQ chose for `:*`). */
  readonly endpoint: string;
  /** Stops answering and closes the socket; replies still being worked out go nowhere. */
  close(): void;
}

/** Requests ZeroMQ queues per client before it stops reading from that client. */
const RECEIVE_QUEUE = 64;

/**
 * Serves named requests on a ZeroMQ Router socket, one JSON frame in and one out
 * (docs/protocol.md, "Requests and replies"). Requests are answered concurrently: a slow handler
 * holds up only its own client. A client may be a Dealer or a plain Request (REQ) socket in any
 * language: the reply goes back with the envelope the request came with. Anything malformed is
 * answered `bad-request`; nothing a client sends can crash the server.
 *
 * Rejects, with a message naming the endpoint and `configKey`, when the endpoint cannot be bound.
 */
export async function serveRequests(options: ServeRequestsOptions): Promise<RequestServer> {
  const { handlers, log } = options;
  const maxRequestBytes = options.maxRequestBytes ?? 64 * 1024;
  const maxInFlight = options.maxInFlight ?? 32;
  const socket = new Router({
    linger: 0,
    // Per frame: libzmq cuts a sender whose frame is larger, before it takes any memory here.
    maxMessageSize: 2 * maxRequestBytes,
    receiveHighWaterMark: RECEIVE_QUEUE,
  });
  try {
    await bindOrExplain(socket, options.endpoint, options.configKey ?? `${options.service} requests`, `another ${options.service}`);
  } catch (error) {
    socket.close();
    throw error;
  }
  const endpoint = socket.lastEndpoint ?? options.endpoint;
  // Requests can carry codes or stop the appliance: an ipc:// socket file is for this user and
  // its group only (connecting needs write permission on it). Abstract sockets (ipc://@…) have no file.
  const file = endpoint.startsWith("ipc://") && !endpoint.startsWith("ipc://@") ? endpoint.slice("ipc://".length) : undefined;
  if (file !== undefined) {
    try {
      chmodSync(file, 0o660);
    } catch (error) {
      socket.close();
      throw new Error(
        `cannot limit ${endpoint} (${options.configKey ?? `${options.service} requests`}) to this user and group: ${(error as Error).message}`,
        { cause: error },
      );
    }
  }

  // A Router never blocks on send: a reply to a client that is gone, or that reads none of its
  // replies, is dropped by ZeroMQ; a send that fails (the socket closed) is one reply lost.
  const replies = sendQueue((frames: Buffer[]) => socket.send(frames));

  const answer = async (frames: Buffer[]): Promise<void> => {
    const [identity, ...rest] = frames;
    if (identity === undefined) return;
    // A REQ socket puts an empty delimiter before its body; a Dealer may. The reply repeats it.
    const delimited = rest[0]?.length === 0;
    const envelope = delimited ? [identity, Buffer.alloc(0)] : [identity];
    const body = delimited ? rest.slice(1) : rest;
    const reply = await replyTo(body);
    let text: string;
    try {
      text = JSON.stringify(reply);
    } catch (error) {
      log.warn("a request handler's answer is not JSON", { id: reply.id, error });
      text = JSON.stringify(failure(reply.id, "failed", "the answer could not be written as JSON"));
    }
    await replies.send([...envelope, Buffer.from(text)]).catch(() => undefined);
  };

  // The reply says what was wrong, quoting the request; the log only which kind of wrong: a
  // malformed request may hold a secret anywhere (`disarm 1234`, a code as a field name).
  const badRequest = (id: string | null, kind: string, message: string): ReplyMessage => {
    log.once("warn", `bad-request:${kind}`, "answering malformed requests with bad-request", { endpoint, kind });
    return failure(id, "bad-request", message);
  };

  const replyTo = async (body: Buffer[]): Promise<ReplyMessage> => {
    const [frame] = body;
    if (body.length !== 1 || frame === undefined) {
      return badRequest(null, "frames", `expected a request of one frame, got ${body.length}`);
    }
    if (frame.length > maxRequestBytes) {
      return badRequest(null, "size", `expected a request of at most ${maxRequestBytes} bytes, got ${frame.length}`);
    }
    const parsed = parseRequest(frame);
    if (!parsed.ok) return badRequest(parsed.id, parsed.kind, parsed.message);
    const reply = await answerRequest(handlers, parsed.request, (error) =>
      log.warn(`the ${parsed.request.command} request failed`, { error }),
    );
    // An unknown command's name is the client's text, which may be anything, a code included: not logged.
    const command = Object.hasOwn(handlers, parsed.request.command) ? parsed.request.command : "(unknown)";
    log.debug("request", { command, id: parsed.request.id, ...(reply.ok ? {} : { error: reply.error.code }) });
    return reply;
  };

  void (async () => {
    let inFlight = 0;
    let slotFreed: (() => void) | undefined;
    try {
      for (;;) {
        while (inFlight >= maxInFlight) await new Promise<void>((resolve) => (slotFreed = resolve));
        const frames = await socket.receive();
        inFlight++;
        void answer(frames)
          .catch((error: unknown) => log.error("cannot answer a request", { error }))
          .finally(() => {
            inFlight--;
            slotFreed?.();
            slotFreed = undefined;
          });
      }
    } catch (error) {
      if (!socket.closed) log.error("the request socket failed", { endpoint, error });
    }
  })();

  return { endpoint, close: () => socket.close() };
}

/**
 * The reply `handlers` give to one request, as {@link serveRequests} sends it: `unknown-command`
 * naming the known ones, `refused`/`bad-request` from a {@link RequestRefused}, `failed` when a
 * handler throws anything else (told to `onFailure`). For a caller in the same process, such as
 * the launcher's own prompt.
 */
export async function answerRequest(
  handlers: RequestHandlers,
  request: Omit<RequestMessage, "id"> & { id?: string },
  onFailure?: (error: unknown) => void,
): Promise<ReplyMessage> {
  const id = request.id ?? null;
  // Own properties only: "constructor" or "__proto__" must not find Object's.
  const handler = Object.hasOwn(handlers, request.command) ? handlers[request.command] : undefined;
  if (!handler) {
    return failure(id, "unknown-command", `unknown command ${preview(request.command)}; known: ${Object.keys(handlers).join(", ")}`);
  }
  try {
    const result: unknown = await handler(request.args ?? {});
    if (!isPlainObject(result)) throw new Error(`the ${request.command} handler answered ${typeof result}, not an object`);
    return { id, ok: true, result };
  } catch (error) {
    if (error instanceof RequestRefused) return failure(id, error.code, error.message);
    onFailure?.(error);
    return failure(id, "failed", error instanceof Error ? error.message : String(error));
  }
}

function failure(id: string | null, code: ServerErrorCode, message: string): ReplyMessage {
  return { id, ok: false, error: { code, message } };
}

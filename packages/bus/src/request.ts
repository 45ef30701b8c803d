import { randomBytes } from "node:crypto";
import { Dealer } from "zeromq";
import { connectAddress, whyUnreachable } from "./endpoints.js";
import { isPlainObject, parseReply, RequestError, type RequestErrorCode } from "./requests.js";
import { watchSocketEvents } from "./socket-events.js";

export interface RequestOptions {
  /** How long to wait for the reply, in milliseconds. Default 3000. */
  timeoutMs?: number;
  /** Largest reply accepted, in bytes; a larger one cuts the connection (then `timeout`). Default 1 MiB. */
  maxReplyBytes?: number;
  /** What the server is, for messages: "the launcher is not running". Default `"service"`. */
  service?: string;
}

/**
 * Sends one request to a {@link serveRequests} server and resolves with its result (the type
 * is the caller's word for it: the reply is checked to be an object, not against `Result`).
 *
 * Rejects with a {@link RequestError} whose `code` says what happened:
 * - `no-service`: nothing listens at the endpoint (no socket file, connection refused), told at
 *   once rather than after the timeout; or the server went away before answering;
 * - `timeout`: connected, but no answer within `timeoutMs`;
 * - `refused`, `unknown-command`, `bad-request`, `failed`: the server's answer (`reason` is its message);
 * - `bad-reply`: the answer was not a reply to this request.
 */
export async function request<Result extends object = Record<string, unknown>>(
  endpoint: string,
  command: string,
  args?: Record<string, unknown>,
  options: RequestOptions = {},
): Promise<Result> {
  if (typeof command !== "string" || command === "") throw new TypeError(`expected a command name, got ${JSON.stringify(command)}`);
  if (args !== undefined && !isPlainObject(args)) throw new TypeError(`expected args to be an object, got ${JSON.stringify(args)}`);
  const address = connectAddress(endpoint);
  const timeoutMs = options.timeoutMs ?? 3000;
  const service = options.service ?? "service";
  const id = randomBytes(12).toString("base64url");
  const body = JSON.stringify({ id, command, ...(args === undefined ? {} : { args }) });
  // `reason`: the server's own message for its codes; the short cause for no-service and timeout.
  const fail = (code: RequestErrorCode, message: string, reason?: string): RequestError =>
    new RequestError(code, message, { endpoint, command, ...(reason === undefined ? {} : { reason }) });

  const socket = new Dealer({ linger: 0, maxMessageSize: options.maxReplyBytes ?? 2 ** 20 });
  let timer: NodeJS.Timeout | undefined;
  try {
    return await new Promise<Result>((resolve, reject) => {
      // What the connection got to: a TCP/ipc connection, then ZeroMQ's handshake; and whether it was lost.
      let connected = false;
      let handshaken = false;
      let lost = false;
      let retriesSinceLost = 0;
      const nobodyThere = (why = whyUnreachable(address)): RequestError => {
        if (lost)
          return fail(
            "no-service",
            `the ${service} at ${endpoint} went away before answering ${JSON.stringify(command)}`,
            "it went away before answering",
          );
        return fail("no-service", `nothing listens at ${endpoint} (${why}). Is the ${service} running, and is that its endpoint?`, why);
      };
      watchSocketEvents(socket.events, (event) => {
        if (event.type === "connect") {
          connected = true;
          retriesSinceLost = 0;
        } else if (event.type === "handshake") handshaken = true;
        else if (event.type === "disconnect") {
          lost = true;
          retriesSinceLost = 0;
        } else if (event.type === "connect:retry") {
          // ZeroMQ retries a refused connection for ever. Before any connection, a retry means nobody
          // accepted it; after one was lost, the first retry is only the reconnection being scheduled.
          if (!connected || (lost && ++retriesSinceLost > 1)) reject(nobodyThere());
        }
      });
      timer = setTimeout(() => {
        if (!connected) reject(nobodyThere(`no connection within ${timeoutMs} ms`));
        else if (!handshaken) {
          const why = "something accepted the connection but spoke no ZeroMQ";
          reject(fail("timeout", `${endpoint}: ${why} within ${timeoutMs} ms. Is it a roomguard ${service}'s endpoint?`, why));
        } else {
          const why = lost ? "the connection was lost meanwhile (a request larger than it takes?)" : "it is busy or hung";
          reject(
            fail("timeout", `the ${service} at ${endpoint} did not answer ${JSON.stringify(command)} within ${timeoutMs} ms: ${why}`, why),
          );
        }
      }, timeoutMs);
      socket.connect(address);
      // The empty delimiter makes the request look like a REQ socket's: a server may treat both alike.
      socket.send([Buffer.alloc(0), body]).catch(() => undefined);
      void (async () => {
        let frames: Buffer[];
        try {
          frames = await socket.receive();
        } catch {
          return; // closed: the promise was settled by whoever closed it
        }
        const reply = frames[0]?.length === 0 ? frames.slice(1) : frames;
        const [frame] = reply;
        if (reply.length !== 1 || frame === undefined) {
          return reject(
            fail("bad-reply", `the ${service} at ${endpoint} answered ${JSON.stringify(command)} with ${reply.length} frames, not one`),
          );
        }
        const parsed = parseReply(frame, id);
        if (!parsed.ok)
          return reject(
            fail(
              "bad-reply",
              `the ${service} at ${endpoint} answered ${JSON.stringify(command)} with something else than a reply: ${parsed.message}`,
            ),
          );
        const { reply: answer } = parsed;
        if (answer.ok) return resolve(answer.result as Result);
        const { code, message } = answer.error;
        reject(fail(code, `the ${service} at ${endpoint} answered ${JSON.stringify(command)} with ${code}: ${message}`, message));
      })();
    });
  } finally {
    clearTimeout(timer);
    socket.close();
  }
}

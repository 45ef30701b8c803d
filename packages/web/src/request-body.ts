import type { IncomingMessage } from "node:http";

/** A request body that is too large or not what was expected: answered with `status`. */
export class BodyError extends Error {
  constructor(
    readonly status: 400 | 413 | 415,
    message: string,
  ) {
    super(message);
    this.name = "BodyError";
  }
}

/**
 * The request's JSON body, at most `maxBytes` (the read stops there: a client cannot make the
 * server hold more). Only `application/json` is read, which a form on another site cannot send
 * without a CORS preflight that we never answer.
 */
export async function readJsonBody(request: IncomingMessage, maxBytes = 4096): Promise<unknown> {
  const type = (request.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase();
  if (type !== "application/json") throw new BodyError(415, "expected Content-Type: application/json");
  const tooLarge = () => new BodyError(413, `expected a body of at most ${maxBytes} bytes`);
  if (Number(request.headers["content-length"] ?? 0) > maxBytes) throw tooLarge();
  const chunks: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) return void chunks.push(chunk);
      // The rest is read and dropped (not kept), so the 413 still reaches the client.
      request.off("data", onData);
      request.resume();
      reject(tooLarge());
    };
    request.on("data", onData);
    request.once("end", resolve);
    request.once("error", reject);
    // A client gone before the end (or cut by the request timeout) must not leave a login in flight.
    request.once("close", () => reject(new BodyError(400, "the request ended before its body")));
  });
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8")) as unknown;
  } catch {
    throw new BodyError(400, "expected a JSON body");
  }
}

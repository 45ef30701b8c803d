import type net from "node:net";

/**
 * Just enough ZMTP 3.0 (rfc.zeromq.org/spec/23, NULL security) to stream messages in
 * bulk over a plain socket: the router's journal tap receives thousands of messages per
 * read this way instead of one zeromq.js promise per message, and the benchmark's load
 * generator uses it so that the generator is never what limits the figures.
 * Greeting and READY are written together; libzmq reads them as they come.
 */

const GREETING_BYTES = 64;

function greeting(): Buffer {
  const bytes = Buffer.alloc(GREETING_BYTES);
  bytes[0] = 0xff; // signature: 0xFF, 8 bytes padding, 0x7F
  bytes[9] = 0x7f;
  bytes[10] = 3; // version 3.0: subscriptions travel as messages, which libzmq accepts from 3.0 peers
  bytes[11] = 0;
  bytes.write("NULL", 12, "latin1");
  return bytes;
}

function readyCommand(socketType: string): Buffer {
  const name = Buffer.from("READY", "latin1");
  const key = Buffer.from("Socket-Type", "latin1");
  const value = Buffer.from(socketType, "latin1");
  const length = Buffer.alloc(4);
  length.writeUInt32BE(value.length);
  const body = Buffer.concat([Buffer.from([name.length]), name, Buffer.from([key.length]), key, length, value]);
  return Buffer.concat([Buffer.from([0x04, body.length]), body]);
}

/** A subscription message in ZMTP 3.0 form: a frame holding 0x01 and the prefix. */
export function subscribeFrame(prefix: string): Buffer {
  const body = Buffer.concat([Buffer.from([1]), Buffer.from(prefix)]);
  return Buffer.concat([Buffer.from([0x00, body.length]), body]);
}

/** What a peer sends first: its greeting and READY, as this side's opening bytes. */
export function zmtpOpening(socketType: "PUB" | "SUB"): Buffer {
  return Buffer.concat([greeting(), readyCommand(socketType)]);
}

/**
 * Where the peer's greeting and READY end in the bytes received so far, or undefined
 * while more are needed. Throws when the peer does not speak ZMTP 3 with NULL security.
 */
export function peerOpeningEnd(received: Buffer): number | undefined {
  if (received.length < GREETING_BYTES + 2) return undefined;
  if (received[0] !== 0xff || received[9] !== 0x7f || (received[10] ?? 0) < 3) throw new Error("the peer does not speak ZMTP 3");
  const flags = received[GREETING_BYTES] ?? 0;
  const long = (flags & 0x02) !== 0;
  if (long && received.length < GREETING_BYTES + 9) return undefined;
  const size = long ? Number(received.readBigUInt64BE(GREETING_BYTES + 1)) : (received[GREETING_BYTES + 1] ?? 0);
  const end = GREETING_BYTES + (long ? 9 : 2) + size;
  if (received.length < end) return undefined;
  if ((flags & 0x04) === 0 || received.toString("latin1", end - size + 1, end - size + 6) !== "READY")
    throw new Error("the peer did not send READY");
  return end;
}

/**
 * Greets the peer as `socketType` and waits for its greeting and READY. Works on either
 * end of a connection. Resolves with the bytes that came after the handshake; the socket
 * is then paused: attach a `data` listener, then `resume()`.
 */
export function zmtpHandshake(socket: net.Socket, socketType: "PUB" | "SUB", timeoutMs = 5000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let received = Buffer.alloc(0);
    const timer = setTimeout(() => fail(new Error("ZMTP handshake timed out")), timeoutMs);
    const fail = (error: Error): void => {
      clearTimeout(timer);
      socket.off("data", onData);
      socket.destroy();
      reject(error);
    };
    const onData = (chunk: Buffer): void => {
      received = Buffer.concat([received, chunk]);
      let end: number | undefined;
      try {
        end = peerOpeningEnd(received);
      } catch (error) {
        fail(error as Error);
        return;
      }
      if (end === undefined) return;
      clearTimeout(timer);
      socket.off("data", onData);
      socket.off("error", fail);
      socket.pause();
      resolve(received.subarray(end));
    };
    socket.on("data", onData);
    socket.on("error", fail);
    socket.write(zmtpOpening(socketType));
  });
}

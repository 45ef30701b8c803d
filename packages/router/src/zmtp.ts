import net from "node:net";

/**
 * A minimal ZMTP 3.0 subscriber (rfc.zeromq.org/spec/23, NULL security) over a Unix
 * socket. The router's journal uses it to receive everything the router forwards as a
 * raw byte stream: thousands of messages per read, instead of one promise per message
 * through zeromq.js.
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

/** A subscription to every message: a one-byte message frame `0x01` (ZMTP 3.0 form). */
const SUBSCRIBE_ALL = Buffer.from([0x00, 0x01, 0x01]);

export interface ZmtpStream {
  socket: net.Socket;
  /** Bytes that arrived after the handshake, before the caller attached its reader. */
  leftover: Buffer;
}

/**
 * Connects to `path`, completes the ZMTP handshake as a SUB socket and subscribes to
 * everything. The returned socket is paused: attach a `data` listener, then `resume()`.
 */
export function connectZmtpSubscriber(path: string, timeoutMs = 5000): Promise<ZmtpStream> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(path);
    let received = Buffer.alloc(0);
    const timer = setTimeout(() => fail(new Error(`ZMTP handshake with ${path} timed out`)), timeoutMs);
    const fail = (error: Error): void => {
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    };
    const onData = (chunk: Buffer): void => {
      received = Buffer.concat([received, chunk]);
      if (received.length < GREETING_BYTES + 2) return;
      if (received[0] !== 0xff || received[9] !== 0x7f || (received[10] ?? 0) < 3) {
        fail(new Error(`peer at ${path} does not speak ZMTP 3`));
        return;
      }
      const flags = received[GREETING_BYTES] ?? 0;
      const long = (flags & 0x02) !== 0;
      if (long && received.length < GREETING_BYTES + 9) return;
      const size = long ? Number(received.readBigUInt64BE(GREETING_BYTES + 1)) : (received[GREETING_BYTES + 1] ?? 0);
      const end = GREETING_BYTES + (long ? 9 : 2) + size;
      if (received.length < end) return;
      if ((flags & 0x04) === 0 || received.toString("latin1", end - size + 1, end - size + 6) !== "READY") {
        fail(new Error(`peer at ${path} did not send READY`));
        return;
      }
      clearTimeout(timer);
      socket.off("data", onData);
      socket.off("error", fail);
      socket.pause();
      socket.write(SUBSCRIBE_ALL);
      resolve({ socket, leftover: received.subarray(end) });
    };
    socket.on("data", onData);
    socket.on("error", fail);
    socket.on("connect", () => {
      socket.write(greeting());
      socket.write(readyCommand("SUB"));
    });
  });
}

import net from "node:net";
import { scanFrames, withoutCommands } from "@roomguard/journal";
import { subscribeFrame, zmtpOpening } from "./zmtp.js";
import { ZmtpReader } from "./zmtp-reader.js";

/** Whole messages as they arrived: ZMTP frames, how many messages, and their size without framing. */
export type BatchHandler = (frames: Buffer, messages: number, payloadBytes: number) => void;

export interface Tap {
  /**
   * Resolves true once a message containing `marker` has been read (everything forwarded
   * before it has then been read too), or false after `timeoutMs`.
   */
  sees(marker: Buffer, timeoutMs: number): Promise<boolean>;
  close(): void;
}

/**
 * Connects to the router's own XPUB over a Unix socket as a ZMTP subscriber to everything,
 * and hands over every forwarded message in batches. Reads go into one reused buffer
 * (Node's `onread`), so a million messages a second cost no allocation per read; a
 * message cut off by the end of a read is moved to the front for the next. `onBatch` must
 * copy what it keeps: the bytes are overwritten by the next read.
 */
export function openTap(path: string, onBatch: BatchHandler, onEnd: (error?: Error) => void, timeoutMs = 5000): Promise<Tap> {
  return new Promise((resolve, reject) => {
    let handshaken = false;
    let closing = false;
    let awaited: { marker: Buffer; found: () => void } | undefined;
    const timer = setTimeout(() => fail(new Error(`the journal tap's handshake with ${path} timed out`)), timeoutMs);
    const fail = (error: Error): void => {
      clearTimeout(timer);
      socket.destroy();
      if (handshaken) onEnd(error);
      else reject(error);
    };
    const reader = new ZmtpReader(
      () => {
        handshaken = true;
        clearTimeout(timer);
        socket.write(subscribeFrame(""));
        resolve({
          sees: (marker, waitMs) =>
            new Promise<boolean>((done) => {
              const giveUp = setTimeout(() => {
                awaited = undefined;
                done(false);
              }, waitMs);
              awaited = {
                marker,
                found: () => {
                  clearTimeout(giveUp);
                  awaited = undefined;
                  done(true);
                },
              };
            }),
          close: () => {
            closing = true;
            socket.destroy();
          },
        });
      },
      (data) => {
        const scan = scanFrames(data);
        if (scan.messages > 0) {
          const whole = data.subarray(0, scan.end);
          onBatch(scan.hasCommands ? withoutCommands(whole) : whole, scan.messages, scan.payloadBytes);
          if (awaited && whole.includes(awaited.marker)) awaited.found();
        }
        return scan.end;
      },
      fail,
    );
    const socket = net.connect({ path, onread: reader.onread });
    socket.on("connect", () => socket.write(zmtpOpening("SUB")));
    // onEnd reports only an end nobody asked for.
    socket.once("error", (error) => {
      if (!handshaken) fail(error);
      else if (!closing) onEnd(error);
    });
    socket.once("close", () => {
      if (handshaken && !closing) onEnd();
    });
  });
}

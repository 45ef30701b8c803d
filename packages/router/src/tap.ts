import net from "node:net";
import { scanFrames, withoutCommands } from "@roomguard/journal";
import { peerOpeningEnd, subscribeFrame, zmtpOpening } from "./zmtp.js";

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

const ARENA_BYTES = 256 * 1024;

/**
 * Connects to the router's own XPUB over a Unix socket as a ZMTP subscriber to everything,
 * and hands over every forwarded message in batches. Reads go into one reused buffer
 * (Node's `onread`), so a million messages a second cost no allocation per read; a
 * message cut off by the end of a read is moved to the front for the next. `onBatch` must
 * copy what it keeps: the bytes are overwritten by the next read.
 */
export function openTap(path: string, onBatch: BatchHandler, onEnd: (error?: Error) => void, timeoutMs = 5000): Promise<Tap> {
  return new Promise((resolve, reject) => {
    let arena = Buffer.allocUnsafe(ARENA_BYTES);
    let carried = 0; // bytes at the front of the arena kept from the last read
    let handshaken = false;
    let closing = false;
    let awaited: { marker: Buffer; found: () => void } | undefined;
    const timer = setTimeout(() => fail(new Error(`the journal tap's handshake with ${path} timed out`)), timeoutMs);
    const fail = (error: Error): void => {
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    };

    const take = (length: number): void => {
      let data = arena.subarray(0, carried + length);
      if (!handshaken) {
        const end = peerOpeningEnd(data);
        if (end === undefined) {
          carried = data.length;
          return;
        }
        handshaken = true;
        clearTimeout(timer);
        socket.write(subscribeFrame(""));
        resolve({
          sees: (marker, timeoutMs) =>
            new Promise<boolean>((done) => {
              const timer = setTimeout(() => {
                awaited = undefined;
                done(false);
              }, timeoutMs);
              awaited = {
                marker,
                found: () => {
                  clearTimeout(timer);
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
        data = data.subarray(end);
      }
      const scan = scanFrames(data);
      if (scan.messages > 0) {
        const whole = data.subarray(0, scan.end);
        onBatch(scan.hasCommands ? withoutCommands(whole) : whole, scan.messages, scan.payloadBytes);
        if (awaited && whole.includes(awaited.marker)) awaited.found();
      }
      carried = data.length - scan.end;
      // A message bigger than half the arena: grow it, so that the rest of the message fits.
      if (carried > arena.length / 2) {
        const bigger = Buffer.allocUnsafe(arena.length * 2);
        data.copy(bigger, 0, scan.end);
        arena = bigger;
      } else data.copy(arena, 0, scan.end);
    };

    const socket = net.connect({
      path,
      onread: {
        buffer: () => arena.subarray(carried),
        callback: (length: number) => {
          try {
            take(length);
          } catch (error) {
            fail(error as Error);
          }
          return true;
        },
      },
    });
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

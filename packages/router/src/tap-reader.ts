import { scanFrames, withoutCommands } from "@roomguard/journal";
import type { ZmtpStream } from "./zmtp-subscriber.js";

/** Whole messages as they arrived: ZMTP frames, how many messages, and their size without framing. */
export type BatchHandler = (frames: Buffer, messages: number, payloadBytes: number) => void;

/**
 * Turns the tap's byte stream into batches of whole messages. A read usually holds
 * thousands of messages; one cut off at the end of a read waits for the next.
 */
export function readTap(stream: ZmtpStream, onBatch: BatchHandler, onEnd: (error?: Error) => void): void {
  let leftover = stream.leftover;
  const take = (chunk: Buffer): void => {
    const data = leftover.length > 0 ? Buffer.concat([leftover, chunk]) : chunk;
    const scan = scanFrames(data);
    leftover = data.subarray(scan.end);
    if (scan.messages === 0) return;
    const whole = data.subarray(0, scan.end);
    onBatch(scan.hasCommands ? withoutCommands(whole) : whole, scan.messages, scan.payloadBytes);
  };
  stream.socket.on("data", take);
  stream.socket.once("error", (error) => onEnd(error));
  stream.socket.once("close", () => onEnd());
  if (leftover.length > 0) take(Buffer.alloc(0));
  stream.socket.resume();
}

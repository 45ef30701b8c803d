/**
 * ZMTP 3 frames (rfc.zeromq.org/spec/23): a flags byte, a 1-byte size (or an 8-byte
 * big-endian size when the LONG flag is set), then the body. The journal stores frames
 * exactly as the router's tap receives them, so this one scanner serves both.
 */
export const FrameFlag = {
  MORE: 0x01,
  LONG: 0x02,
  COMMAND: 0x04,
} as const;

export interface FrameScan {
  /** Offset just past the last frame of the last complete message. */
  end: number;
  /** Complete messages (a message ends at a frame without MORE). */
  messages: number;
  /** Sum of the frame bodies of those messages, in bytes. */
  payloadBytes: number;
  /** Whether command frames were seen before `end` (they are not messages). */
  hasCommands: boolean;
}

/** Scans whole messages from `start`; a message cut off by the end of the buffer is left out. */
export function scanFrames(buffer: Buffer, start = 0): FrameScan {
  const length = buffer.length;
  let offset = start;
  let end = start;
  let messages = 0;
  let payloadBytes = 0;
  let messageBytes = 0;
  let hasCommands = false;
  while (offset + 2 <= length) {
    const flags = buffer[offset] as number;
    let size: number;
    let header: number;
    if (flags & FrameFlag.LONG) {
      if (offset + 9 > length) break;
      size = buffer.readUInt32BE(offset + 1) * 0x1_0000_0000 + buffer.readUInt32BE(offset + 5);
      header = 9;
    } else {
      size = buffer[offset + 1] as number;
      header = 2;
    }
    if (offset + header + size > length) break;
    offset += header + size;
    if (flags & FrameFlag.COMMAND) {
      hasCommands = true;
      if (messageBytes === 0) end = offset;
      continue;
    }
    messageBytes += size;
    if (!(flags & FrameFlag.MORE)) {
      messages++;
      payloadBytes += messageBytes;
      messageBytes = 0;
      end = offset;
    }
  }
  return { end, messages, payloadBytes, hasCommands };
}

/** Splits whole messages into their frame bodies, skipping command frames. */
export function decodeMessages(buffer: Uint8Array): Buffer[][] {
  const bytes = Buffer.from(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  const messages: Buffer[][] = [];
  let frames: Buffer[] = [];
  let offset = 0;
  while (offset + 2 <= bytes.length) {
    const flags = bytes[offset] as number;
    const long = (flags & FrameFlag.LONG) !== 0;
    if (long && offset + 9 > bytes.length) break;
    const size = long ? Number(bytes.readBigUInt64BE(offset + 1)) : (bytes[offset + 1] as number);
    const body = offset + (long ? 9 : 2);
    if (body + size > bytes.length) break;
    offset = body + size;
    if (flags & FrameFlag.COMMAND) continue;
    frames.push(bytes.subarray(body, body + size));
    if (!(flags & FrameFlag.MORE)) {
      messages.push(frames);
      frames = [];
    }
  }
  return messages;
}

/** Drops command frames, keeping whole messages only (rare: libzmq sends commands only for heartbeats). */
export function withoutCommands(buffer: Uint8Array): Buffer {
  const parts: Buffer[] = [];
  const bytes = Buffer.from(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  let offset = 0;
  while (offset + 2 <= bytes.length) {
    const flags = bytes[offset] as number;
    const long = (flags & FrameFlag.LONG) !== 0;
    const size = long ? Number(bytes.readBigUInt64BE(offset + 1)) : (bytes[offset + 1] as number);
    const next = offset + (long ? 9 : 2) + size;
    if (!(flags & FrameFlag.COMMAND)) parts.push(bytes.subarray(offset, next));
    offset = next;
  }
  return Buffer.concat(parts);
}

/** Encodes frames as one message (test and tool helper). */
export function encodeMessage(frames: readonly Uint8Array[]): Buffer {
  const parts: Buffer[] = [];
  frames.forEach((frame, index) => {
    const more = index < frames.length - 1 ? FrameFlag.MORE : 0;
    if (frame.length < 256) parts.push(Buffer.from([more, frame.length]));
    else {
      const header = Buffer.alloc(9);
      header[0] = more | FrameFlag.LONG;
      header.writeBigUInt64BE(BigInt(frame.length), 1);
      parts.push(header);
    }
    parts.push(Buffer.from(frame));
  });
  return Buffer.concat(parts);
}

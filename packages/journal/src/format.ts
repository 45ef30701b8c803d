/**
 * The journal on disk: a directory of segment files `journal-<first seq>.rgj`, each an
 * 8-byte signature followed by blocks. A block is a 32-byte little-endian header
 * (signature, payload length, message count, reserved, first sequence number, time in ms
 * since the epoch) and a payload of whole messages as ZMTP frames, bytes exactly as they
 * crossed the router — so non-UTF-8 bytes are kept as they were, and rendered safely when read.
 * Every message of a block shares the block's time: when the router journaled it.
 */
export const SEGMENT_SIGNATURE = Buffer.from("RGJOURN1", "latin1");
export const BLOCK_SIGNATURE = 0x424a4752; // "RGJB"
export const BLOCK_HEADER_BYTES = 32;
const SEGMENT_NAME = /^journal-(\d{16})\.rgj$/;

export interface BlockHeader {
  payloadBytes: number;
  messageCount: number;
  firstSeq: number;
  timeMs: number;
}

/** Writes a block header into `target` at `offset`. */
export function writeBlockHeader(target: Buffer, offset: number, header: BlockHeader): void {
  target.writeUInt32LE(BLOCK_SIGNATURE, offset);
  target.writeUInt32LE(header.payloadBytes, offset + 4);
  target.writeUInt32LE(header.messageCount, offset + 8);
  target.writeUInt32LE(0, offset + 12);
  target.writeDoubleLE(header.firstSeq, offset + 16);
  target.writeDoubleLE(header.timeMs, offset + 24);
}

/** The header at `offset`, or null when the bytes there are not a block header. */
export function decodeBlockHeader(bytes: Buffer, offset = 0): BlockHeader | null {
  if (bytes.length - offset < BLOCK_HEADER_BYTES || bytes.readUInt32LE(offset) !== BLOCK_SIGNATURE) return null;
  return {
    payloadBytes: bytes.readUInt32LE(offset + 4),
    messageCount: bytes.readUInt32LE(offset + 8),
    firstSeq: bytes.readDoubleLE(offset + 16),
    timeMs: bytes.readDoubleLE(offset + 24),
  };
}

export function segmentName(firstSeq: number): string {
  return `journal-${String(firstSeq).padStart(16, "0")}.rgj`;
}

/** The first sequence number a segment file name carries, or null for other files. */
export function segmentFirstSeq(name: string): number | null {
  const match = SEGMENT_NAME.exec(name);
  return match ? Number(match[1]) : null;
}

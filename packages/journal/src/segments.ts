import { open, readdir, type FileHandle } from "node:fs/promises";
import path from "node:path";
import { BLOCK_HEADER_BYTES, decodeBlockHeader, SEGMENT_SIGNATURE, segmentFirstSeq, type BlockHeader } from "./format.js";

export interface SegmentFile {
  name: string;
  path: string;
  firstSeq: number;
}

/** The segment files of a journal directory, oldest first; none when the directory is missing. */
export async function listSegments(dir: string): Promise<SegmentFile[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
  return names
    .map((name) => ({ name, path: path.join(dir, name), firstSeq: segmentFirstSeq(name) }))
    .filter((segment): segment is SegmentFile => segment.firstSeq !== null)
    .sort((a, b) => a.firstSeq - b.firstSeq);
}

export interface Block extends BlockHeader {
  /** The messages, as ZMTP frames. */
  payload: Buffer;
  /** Offset just past this block in the file: where reading resumes. */
  next: number;
}

/** Bytes read from disk at a time: a quiet router writes one small block per message. */
const READ_BYTES = 1024 * 1024;

/**
 * The complete blocks of a segment from `offset` (0: the start, after the signature), read
 * a megabyte at a time. Stops at the end of the file or at a torn block (a crash mid-write).
 */
export async function* readBlocks(file: string, offset = 0): AsyncGenerator<Block> {
  const handle = await open(file, "r");
  try {
    const size = (await handle.stat()).size;
    let position = offset;
    if (offset === 0) {
      const signature = Buffer.alloc(SEGMENT_SIGNATURE.length);
      await handle.read(signature, 0, signature.length, 0);
      if (!signature.equals(SEGMENT_SIGNATURE)) return;
      position = SEGMENT_SIGNATURE.length;
    }
    let buffer: Buffer = Buffer.alloc(0);
    let bufferAt = position;
    while (position + BLOCK_HEADER_BYTES <= size) {
      if (position + BLOCK_HEADER_BYTES > bufferAt + buffer.length) {
        ({ buffer, bufferAt } = await readAt(handle, position, Math.min(READ_BYTES, size - position)));
      }
      const header = decodeBlockHeader(buffer, position - bufferAt);
      if (!header) return;
      const end = position + BLOCK_HEADER_BYTES + header.payloadBytes;
      if (end > size) return;
      if (end > bufferAt + buffer.length) ({ buffer, bufferAt } = await readAt(handle, position, Math.max(READ_BYTES, end - position)));
      const start = position + BLOCK_HEADER_BYTES - bufferAt;
      yield { ...header, payload: buffer.subarray(start, start + header.payloadBytes), next: end };
      position = end;
    }
  } finally {
    await handle.close();
  }
}

async function readAt(handle: FileHandle, position: number, length: number): Promise<{ buffer: Buffer; bufferAt: number }> {
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await handle.read(buffer, 0, length, position);
  return { buffer: buffer.subarray(0, bytesRead), bufferAt: position };
}

/** The last complete block of a segment, or undefined when it has none. */
export async function lastBlock(file: string): Promise<BlockHeader | undefined> {
  let last: BlockHeader | undefined;
  for await (const block of readBlocks(file)) last = block;
  return last;
}

import { open, readdir, stat } from "node:fs/promises";
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

export interface BlockAt extends BlockHeader {
  /** Offset of the payload in the file. */
  payloadOffset: number;
}

/**
 * Reads block headers from `offset` (0: the start, after the signature), skipping
 * payloads. Stops at the end of the file or at a torn block (a crash mid-write).
 * `next` is where reading should resume.
 */
export async function readBlockHeaders(file: string, offset = 0): Promise<{ blocks: BlockAt[]; next: number }> {
  const handle = await open(file, "r");
  try {
    const size = (await handle.stat()).size;
    let position = offset === 0 ? SEGMENT_SIGNATURE.length : offset;
    if (offset === 0) {
      const signature = Buffer.alloc(SEGMENT_SIGNATURE.length);
      await handle.read(signature, 0, signature.length, 0);
      if (!signature.equals(SEGMENT_SIGNATURE)) return { blocks: [], next: 0 };
    }
    const blocks: BlockAt[] = [];
    const headerBytes = Buffer.alloc(BLOCK_HEADER_BYTES);
    while (position + BLOCK_HEADER_BYTES <= size) {
      await handle.read(headerBytes, 0, BLOCK_HEADER_BYTES, position);
      const header = decodeBlockHeader(headerBytes);
      if (!header || position + BLOCK_HEADER_BYTES + header.payloadBytes > size) break;
      blocks.push({ ...header, payloadOffset: position + BLOCK_HEADER_BYTES });
      position += BLOCK_HEADER_BYTES + header.payloadBytes;
    }
    return { blocks, next: position };
  } finally {
    await handle.close();
  }
}

/** Total size of the segment files in bytes. */
export async function journalBytes(segments: readonly SegmentFile[]): Promise<number> {
  let total = 0;
  for (const segment of segments) {
    try {
      total += (await stat(segment.path)).size;
    } catch {
      // Deleted meanwhile by rotation: it no longer counts.
    }
  }
  return total;
}

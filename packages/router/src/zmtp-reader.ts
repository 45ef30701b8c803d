import { peerOpeningEnd } from "./zmtp.js";

/**
 * Reads a ZMTP peer's byte stream into one reused buffer, for Node's `net` `onread` option:
 * no allocation per read. The peer's greeting and READY come first (`onOpen`); then each
 * read hands the frames received so far to `onFrames`, which returns how many bytes it
 * used — a frame cut off by the end of a read is moved to the front and completed by the next.
 * `onFrames` must copy what it keeps: the bytes are overwritten by the next read.
 */
export class ZmtpReader {
  private arena: Buffer;
  private carried = 0;
  private opened = false;

  constructor(
    private readonly onOpen: () => void,
    private readonly onFrames: (data: Buffer) => number,
    private readonly onError: (error: Error) => void,
    initialBytes = 256 * 1024,
  ) {
    this.arena = Buffer.allocUnsafe(initialBytes);
  }

  /** The `onread` option of `net.connect`. */
  readonly onread = {
    buffer: (): Buffer => this.arena.subarray(this.carried),
    callback: (length: number): boolean => {
      try {
        this.take(length);
      } catch (error) {
        this.onError(error as Error);
      }
      return true;
    },
  };

  private take(length: number): void {
    const data = this.arena.subarray(0, this.carried + length);
    let start = 0;
    if (!this.opened) {
      const end = peerOpeningEnd(data);
      if (end === undefined) {
        this.carried = data.length;
        return;
      }
      this.opened = true;
      this.onOpen();
      start = end;
    }
    const used = start + this.onFrames(data.subarray(start));
    this.carried = data.length - used;
    // A message bigger than half the buffer: grow it, so that the rest of the message fits.
    if (this.carried > this.arena.length / 2) {
      const bigger = Buffer.allocUnsafe(this.arena.length * 2);
      data.copy(bigger, 0, used);
      this.arena = bigger;
    } else data.copy(this.arena, 0, used);
  }
}

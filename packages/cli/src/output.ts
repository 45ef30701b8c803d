import { renderBytes } from "@roomguard/journal";

/** Where a command writes: stdout for results, stderr for notes and errors. */
export interface Output {
  out(line: string): void;
  err(line: string): void;
  /**
   * Resolves when what `out` wrote has room to go on: at once, unless the reader is behind. A
   * command that prints many lines awaits it after each, so that a slow reader (`| less`) holds the
   * command back instead of the lines piling up in memory.
   */
  drained(): Promise<void>;
}

export const processOutput: Output = {
  out: (line) => void process.stdout.write(line + "\n"),
  err: (line) => void process.stderr.write(line + "\n"),
  drained: () => (process.stdout.writableNeedDrain ? waitForDrain(process.stdout) : Promise.resolve()),
};

/** Resolves on the stream's next 'drain', or when it fails or closes (the error is reported elsewhere). */
function waitForDrain(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      for (const event of ["drain", "error", "close"]) stream.off(event, done);
      resolve();
    };
    for (const event of ["drain", "error", "close"]) stream.once(event, done);
  });
}

/**
 * What a command exits with when its reader went away (`roomguard journal | head`): 128 + SIGPIPE,
 * as a program the kernel stopped with SIGPIPE would (Node ignores that signal, so it is said by
 * hand). Not 0: the output is incomplete, and `set -o pipefail` should see that.
 */
export const CLOSED_PIPE_EXIT = 141;

/**
 * Calls `onError` once when stdout or stderr cannot be written: EPIPE when the reader went away,
 * ENOSPC for a full disk. Without a listener such an error is thrown with a stack trace.
 */
export function onOutputError(onError: (error: NodeJS.ErrnoException, stream: "stdout" | "stderr") => void): void {
  let failed = false;
  for (const [name, stream] of [
    ["stdout", process.stdout],
    ["stderr", process.stderr],
  ] as const) {
    stream.on("error", (error: NodeJS.ErrnoException) => {
      if (failed) return;
      failed = true;
      onError(error, name);
    });
  }
}

/** Resolves true when everything written to stdout and stderr so far has left the process, false when a write failed. */
export function flushOutput(): Promise<boolean> {
  // A write's callback runs once it and every write before it are done, or with an error.
  const flushed = [process.stdout, process.stderr].map(
    (stream) => new Promise<boolean>((resolve) => stream.write("", (error) => resolve(!error))),
  );
  return Promise.all(flushed).then((results) => results.every(Boolean));
}

/** `11:52:01.123` in local time. */
export function clockTime(ms: number): string {
  const date = new Date(ms);
  const pad = (n: number, width = 2): string => String(n).padStart(width, "0");
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
}

/** `2026-11-22 11:52:01.123` in local time. */
export function dateTime(ms: number): string {
  const date = new Date(ms);
  const pad = (n: number): string => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${clockTime(ms)}`;
}

/** Frames as one printable line; a multi-frame message shows its frames joined by ` | `. */
export function renderFrames(frames: readonly Uint8Array[]): string {
  return frames.map((frame) => renderBytes(frame)).join(" | ");
}

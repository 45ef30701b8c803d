import { closeSync, fstatSync, ftruncateSync, openSync, readSync, statSync } from "node:fs";
import type { Clock } from "@roomguard/runtime";

export interface LogFollowerOptions {
  file: string;
  /** Called with each complete line written to the file. */
  onLine: (line: string) => void;
  clock: Clock;
  /** How often to look for new output without being told (see `poll`). Default 1 s. */
  intervalMs?: number;
  /** Once read this far, the file is emptied (its lines were passed on): a long-running service cannot fill the SD card. */
  maxBytes?: number;
  /** Start at the file's end (an adopted service's old output was shown by the launcher before). */
  fromEnd?: boolean;
}

/**
 * Follows a service's log file as `tail -F` does: new lines as they come, from the start again
 * when the file is replaced (a restart rotates it) or emptied.
 */
export function followLog(options: LogFollowerOptions): { poll(): void; stop(): void } {
  const { file, onLine, clock } = options;
  const maxBytes = options.maxBytes ?? 4 * 1024 * 1024;
  const chunk = Buffer.alloc(64 * 1024);
  let fd: number | undefined;
  let inode: number | undefined;
  let offset = 0;
  let partial = "";

  const open = (fromEnd: boolean): void => {
    try {
      fd = openSync(file, "r+"); // r+: it is emptied once read past maxBytes
    } catch {
      fd = undefined; // not there yet: the service has not started
      return;
    }
    const stat = fstatSync(fd);
    inode = stat.ino;
    offset = fromEnd ? stat.size : 0;
    partial = "";
  };

  const drain = (): void => {
    if (fd === undefined) return;
    for (;;) {
      const read = readSync(fd, chunk, 0, chunk.length, offset);
      if (read === 0) break;
      offset += read;
      const lines = (partial + chunk.toString("utf8", 0, read)).split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) onLine(line);
    }
    if (offset >= maxBytes) {
      ftruncateSync(fd, 0);
      offset = 0;
    }
  };

  const poll = (): void => {
    try {
      if (fd === undefined) open(false);
      else {
        const size = fstatSync(fd).size;
        let current: number | undefined;
        try {
          current = statSync(file).ino;
        } catch {
          current = undefined;
        }
        if (size < offset) offset = 0; // emptied
        if (current !== inode) {
          drain(); // the last words of the old file first
          closeSync(fd);
          open(false);
        }
      }
      drain();
    } catch {
      // a file that went away between two looks: the next poll finds the new one
    }
  };

  open(options.fromEnd ?? false);
  poll();
  const timer = clock.setInterval(poll, options.intervalMs ?? 1000);
  return {
    /** Look now: the file changed (the launcher watches the directory). */
    poll,
    stop() {
      clock.clearInterval(timer);
      poll();
      if (partial) onLine(partial);
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    },
  };
}

/** A line of figures kept up to date while a command runs. */
export interface StatusLine {
  /** Stops the updates; a terminal's status line is left as it was, ended. */
  stop(): void;
}

export interface StatusLineOptions {
  /** Where it goes: a terminal gets one line rewritten in place, anything else a line per update. */
  stream: NodeJS.WritableStream & { isTTY?: boolean };
  /** Milliseconds between the lines when `stream` is no terminal (a terminal's line changes once a second). */
  intervalMs: number;
  /** The current line; `elapsedMs` since the previous call (0 the first time). */
  render: (elapsedMs: number) => string;
  /** Prefixes each line that is not on a terminal (a log wants the time). */
  stamp: () => string;
}

const TERMINAL_INTERVAL_MS = 1000;

/**
 * Shows `render()` once a second on a terminal, overwriting the line, or as a new line every
 * `intervalMs` on a pipe or file (a log, journald), where rewriting a line would make noise.
 */
export function startStatusLine(options: StatusLineOptions): StatusLine {
  const terminal = options.stream.isTTY === true;
  let last = Date.now();
  let shown = false;
  const show = (): void => {
    const now = Date.now();
    const line = options.render(now - last);
    last = now;
    if (terminal) {
      options.stream.write(`\r\x1b[K${line}`);
      shown = true;
    } else {
      options.stream.write(`${options.stamp()} ${line}\n`);
    }
  };
  const timer = setInterval(show, terminal ? TERMINAL_INTERVAL_MS : options.intervalMs);
  return {
    stop() {
      clearInterval(timer);
      if (shown) options.stream.write("\n");
    },
  };
}

import net from "node:net";

/** Where an MPD listens: its local socket, or TCP. */
export type MpdAddress = { socket: string } | { host: string; port: number };

/**
 * A bare MPD client for tests and benchmarks: one command (or command list) at a time, each
 * answer as a record of its `key: value` lines (the first of a repeated key). Tests of other
 * packages talk to MPD through it without depending on the music player, whose own client is
 * the one under test there.
 */
export class TestMpdClient {
  private buffered = "";
  private readonly waiting: Array<{ resolve: (lines: string[]) => void; reject: (error: Error) => void }> = [];
  private closedWith: Error | undefined;

  private constructor(
    private readonly socket: net.Socket,
    /** What MPD said it is on connecting, e.g. `0.23.5`. */
    readonly version: string,
  ) {}

  /** Connects and reads MPD's greeting; rejects when nothing that greets like MPD answers within `timeoutMs`. */
  static async open(address: MpdAddress, timeoutMs = 5000): Promise<TestMpdClient> {
    const socket = "socket" in address ? net.connect(address.socket) : net.connect(address.port, address.host);
    socket.setEncoding("utf8");
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`MPD did not answer within ${timeoutMs} ms`)));
    const greeting = await new Promise<string>((resolve, reject) => {
      let text = "";
      const onData = (chunk: string): void => {
        text += chunk;
        if (!text.includes("\n")) return;
        socket.off("data", onData).off("error", reject);
        resolve(text);
      };
      socket.on("data", onData).once("error", reject);
    });
    const version = /^OK MPD (\S+)\n$/.exec(greeting)?.[1];
    if (version === undefined) {
      socket.destroy();
      throw new Error(`not MPD: it said ${JSON.stringify(greeting)}`);
    }
    socket.setTimeout(0);
    return new TestMpdClient(socket, version).listen();
  }

  /** One command; rejects with MPD's `ACK …` line. */
  async command(line: string): Promise<Record<string, string>> {
    if (this.closedWith) throw this.closedWith;
    const answer = new Promise<string[]>((resolve, reject) => this.waiting.push({ resolve, reject }));
    this.socket.write(`${line}\n`);
    const record: Record<string, string> = {};
    for (const pair of await answer) {
      const colon = pair.indexOf(": ");
      const key = pair.slice(0, colon);
      if (colon > 0 && !(key in record)) record[key] = pair.slice(colon + 2);
    }
    return record;
  }

  /** Several commands answered as one (MPD runs them together, with no other client's change between). */
  commandList(lines: readonly string[]): Promise<Record<string, string>> {
    return this.command(["command_list_begin", ...lines, "command_list_end"].join("\n"));
  }

  close(): void {
    this.socket.destroy();
  }

  private listen(): this {
    this.socket.on("data", (chunk: string) => {
      this.buffered += chunk;
      for (let end = this.answerEnd(); end >= 0; end = this.answerEnd()) {
        const lineEnd = this.buffered.indexOf("\n", end);
        const last = this.buffered.slice(end, lineEnd);
        const lines = this.buffered.slice(0, end).split("\n").filter(Boolean);
        this.buffered = this.buffered.slice(lineEnd + 1);
        const waiter = this.waiting.shift();
        if (last.startsWith("ACK")) waiter?.reject(new Error(`MPD refused: ${last}`));
        else waiter?.resolve(lines);
      }
    });
    this.socket.on("close", () => {
      this.closedWith = new Error("MPD closed the connection");
      for (const waiter of this.waiting.splice(0)) waiter.reject(this.closedWith);
    });
    this.socket.on("error", () => {}); // the close that follows says it
    return this;
  }

  /** Where the first complete answer's last line (`OK` or `ACK …`) starts, or -1. */
  private answerEnd(): number {
    const match = /(^|\n)(OK|ACK [^\n]*)\n/.exec(this.buffered);
    return match ? match.index + (match[1] ?? "").length : -1;
  }
}

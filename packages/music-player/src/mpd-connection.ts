import net from "node:net";
import { MpdError, parseAck, parseGreeting, parsePair, type MpdPairs } from "./mpd-protocol.js";

/** Where MPD listens: its local socket, or TCP. */
export type MpdAddress = { socket: string } | { host: string; port: number };

export function describeAddress(address: MpdAddress): string {
  return "socket" in address ? address.socket : `${address.host}:${address.port}`;
}

export interface MpdConnectionOptions {
  /** Longest wait for the greeting and for each answer, in ms (MPD answers in well under one). Default 5000. */
  timeoutMs?: number;
  /** Subsystems MPD reports changed through `idle` (`player`, `mixer`, `playlist`, …). */
  onChange?: (subsystems: string[]) => void;
  /** Called once when the connection ends, with the reason unless `close()` ended it. */
  onClose?: (error?: MpdError) => void;
}

interface Request {
  text: string;
  pairs: Array<readonly [string, string]>;
  resolve: (pairs: MpdPairs) => void;
  reject: (error: MpdError) => void;
}

/** The subsystems the music player reacts to. */
const IDLE = "idle player mixer playlist options database update stored_playlist";

/**
 * One connection to MPD speaking its line protocol. Commands go one at a time; between them
 * the connection waits in `idle`, so MPD tells us about every change as it happens (no
 * polling). A command while idling first sends `noidle`, as the protocol requires.
 *
 * Commands with binary answers (`albumart`, `readpicture`) are not supported: the music
 * player sends none.
 */
export class MpdConnection {
  private readonly queue: Request[] = [];
  private current: Request | undefined;
  private idling: Request | undefined;
  private noidleSent = false;
  private buffered = "";
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  private constructor(
    private readonly socket: net.Socket,
    readonly address: MpdAddress,
    /** MPD's protocol version, from its greeting. */
    readonly version: string,
    private readonly options: MpdConnectionOptions,
  ) {}

  /** Connects and reads MPD's greeting. Rejects with an {@link MpdError} naming the address. */
  static open(address: MpdAddress, options: MpdConnectionOptions = {}): Promise<MpdConnection> {
    const timeoutMs = options.timeoutMs ?? 5000;
    const where = describeAddress(address);
    return new Promise((resolve, reject) => {
      const socket = "socket" in address ? net.connect(address.socket) : net.connect(address.port, address.host);
      socket.setEncoding("utf8");
      let received = "";
      const fail = (error: MpdError): void => {
        clearTimeout(timer);
        socket.destroy();
        reject(error);
      };
      const timer = setTimeout(() => fail(new MpdError("ETIMEDOUT", `MPD at ${where} did not greet within ${timeoutMs} ms`)), timeoutMs);
      socket.once("error", (error: NodeJS.ErrnoException) => fail(connectError(error, where)));
      socket.once("close", () => fail(new MpdError("ECLOSED", `MPD at ${where} closed the connection before greeting`)));
      const onData = (chunk: string): void => {
        received += chunk;
        const end = received.indexOf("\n");
        if (end < 0) return;
        const version = parseGreeting(received.slice(0, end));
        if (version === null) {
          fail(new MpdError("EPROTO", `${where} is not MPD: it said ${JSON.stringify(received.slice(0, Math.min(end, 80)))}`));
          return;
        }
        clearTimeout(timer);
        socket.removeAllListeners();
        const connection = new MpdConnection(socket, address, version, options);
        connection.listen(received.slice(end + 1));
        resolve(connection);
      };
      socket.on("data", onData);
    });
  }

  /** Sends one command (see {@link mpdCommand}) and resolves with its answer; rejects with `ACK` on MPD's refusal. */
  command(text: string): Promise<MpdPairs> {
    if (this.closed) return Promise.reject(new MpdError("ECLOSED", `the connection to MPD at ${describeAddress(this.address)} is closed`));
    return new Promise((resolve, reject) => {
      this.queue.push({ text, pairs: [], resolve, reject });
      if (this.idling && !this.noidleSent) {
        this.noidleSent = true;
        this.socket.write("noidle\n");
        this.armTimeout(text);
      } else if (!this.current && !this.idling) this.sendNext();
    });
  }

  /** Several commands MPD runs as one: all of them, or up to the first refusal. */
  commandList(texts: readonly string[]): Promise<MpdPairs> {
    return this.command(["command_list_begin", ...texts, "command_list_end"].join("\n"));
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  close(): void {
    this.end();
  }

  private listen(rest: string): void {
    this.socket.on("data", (chunk: string) => this.receive(chunk));
    this.socket.on("error", (error: NodeJS.ErrnoException) =>
      this.end(
        new MpdError("ECLOSED", `the connection to MPD at ${describeAddress(this.address)} broke: ${error.message}`, undefined, {
          cause: error,
        }),
      ),
    );
    this.socket.on("close", () => this.end(new MpdError("ECLOSED", `MPD at ${describeAddress(this.address)} closed the connection`)));
    this.sendNext();
    if (rest) this.receive(rest);
  }

  private receive(chunk: string): void {
    this.buffered += chunk;
    for (let end = this.buffered.indexOf("\n"); end >= 0; end = this.buffered.indexOf("\n")) {
      const line = this.buffered.slice(0, end);
      this.buffered = this.buffered.slice(end + 1);
      this.line(line);
      if (this.closed) return;
    }
  }

  private line(line: string): void {
    const request = this.current ?? this.idling;
    if (!request) {
      this.end(new MpdError("EPROTO", `MPD sent ${JSON.stringify(line)} when no answer was due`));
      return;
    }
    if (line === "OK") {
      this.finish(request);
      request.resolve(request.pairs);
    } else if (line.startsWith("ACK ")) {
      this.finish(request);
      const ack = parseAck(line);
      request.reject(
        new MpdError("ACK", `MPD refused "${ack?.command || firstCommand(request.text)}": ${ack?.message ?? line}`, ack ?? undefined),
      );
    } else {
      const pair = parsePair(line);
      if (pair) request.pairs.push(pair);
    }
  }

  private finish(request: Request): void {
    clearTimeout(this.timer);
    if (request === this.idling) {
      this.idling = undefined;
      this.noidleSent = false;
      const changed = request.pairs.filter(([key]) => key === "changed").map(([, value]) => value);
      if (changed.length > 0) this.options.onChange?.(changed);
    } else this.current = undefined;
    // The callbacks above may have queued more: either way, the next command or idle follows.
    if (!this.closed && !this.current && !this.idling) this.sendNext();
  }

  private sendNext(): void {
    const next = this.queue.shift();
    if (!next) {
      this.idling = { text: "idle", pairs: [], resolve: () => undefined, reject: () => undefined };
      this.socket.write(`${IDLE}\n`);
      return;
    }
    this.current = next;
    this.socket.write(`${next.text}\n`);
    this.armTimeout(next.text);
  }

  /** A hung MPD (stopped, deadlocked) must not hold commands forever: the connection ends instead. */
  private armTimeout(sent: string): void {
    const timeoutMs = this.options.timeoutMs ?? 5000;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.end(
        new MpdError("ETIMEDOUT", `MPD at ${describeAddress(this.address)} did not answer "${firstCommand(sent)}" within ${timeoutMs} ms`),
      );
    }, timeoutMs);
  }

  private end(error?: MpdError): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timer);
    this.socket.destroy();
    const reason = error ?? new MpdError("ECLOSED", "the connection to MPD was closed");
    for (const request of [this.current, ...this.queue.splice(0)]) request?.reject(reason);
    this.current = undefined;
    this.idling = undefined;
    this.options.onClose?.(error);
  }
}

function connectError(error: NodeJS.ErrnoException, where: string): MpdError {
  if (error.code === "ECONNREFUSED")
    return new MpdError("ECONNREFUSED", `nothing listens at ${where}: is MPD running?`, undefined, { cause: error });
  if (error.code === "ENOENT") return new MpdError("ENOENT", `no MPD socket at ${where}: is MPD running?`, undefined, { cause: error });
  return new MpdError("ECLOSED", `cannot connect to MPD at ${where}: ${error.message}`, undefined, { cause: error });
}

/** The command a (possibly list) request is about, for messages. */
function firstCommand(text: string): string {
  return text.split("\n").find((line) => !line.startsWith("command_list")) ?? text;
}

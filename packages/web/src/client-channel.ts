/** The part of a ws WebSocket a channel uses. */
export interface ChannelSocket {
  /** Bytes given to send() and not yet written to the network. */
  readonly bufferedAmount: number;
  send(data: string, callback: (error?: Error) => void): void;
}

export interface ChannelOptions {
  /** Past this many bytes buffered, changes wait in the channel: only the latest of each key. */
  highWaterBytes: number;
  /** Events waiting past this many: the page gets a fresh snapshot instead of them. */
  maxPendingEvents: number;
  /** A fresh snapshot frame, made when it is sent. */
  snapshot(): string;
  now(): number;
}

/**
 * One page's way out, with a bounded buffer. While the socket keeps up, every frame goes at once.
 * Once it holds more than `highWaterBytes`, changes wait here, each key keeping only its latest
 * frame, and events queue up to `maxPendingEvents`; past that the page is owed a snapshot, which
 * replaces everything waiting. Each write's callback (the socket took it) sends what waits once
 * the buffer is low again. So a slow page costs at most its buffer plus one frame per key, and
 * never delays another page: nothing here waits on a socket.
 */
export class ClientChannel {
  private readonly waiting = new Map<string, string>();
  private events: string[] = [];
  private owedSnapshot = false;
  private behindSinceMs: number | null = null;
  /** Frames replaced or dropped while behind: for STATUS. */
  coalesced = 0;

  constructor(
    private readonly socket: ChannelSocket,
    private readonly options: ChannelOptions,
  ) {}

  /** The latest value of `key` (a section, a zone, a sensor, the tick). */
  set(key: string, frame: string): void {
    if (!this.behind()) return this.write(frame);
    this.behindSinceMs ??= this.options.now();
    if (this.owedSnapshot || this.waiting.has(key)) this.coalesced++;
    if (!this.owedSnapshot) this.waiting.set(key, frame);
  }

  /** A security event: each one reaches the page, or a snapshot holding the latest ones does. */
  event(frame: string): void {
    if (!this.behind()) return this.write(frame);
    this.behindSinceMs ??= this.options.now();
    if (this.owedSnapshot) return void this.coalesced++;
    this.events.push(frame);
    if (this.events.length > this.options.maxPendingEvents) this.owe();
  }

  /** The page is owed a snapshot (a resync): what waits is dropped, the snapshot will hold it. */
  owe(): void {
    this.coalesced += this.waiting.size + this.events.length;
    this.waiting.clear();
    this.events = [];
    this.owedSnapshot = true;
    this.behindSinceMs ??= this.options.now();
    if (!this.behind()) this.flush();
  }

  /** Hello and replies: sent in order whatever the buffer holds (the gateway bounds requests in flight). */
  direct(frame: string): void {
    this.write(frame);
  }

  /** Bytes this page holds in the gateway: what the socket has not written, and what waits here. */
  backlogBytes(): number {
    let bytes = this.socket.bufferedAmount;
    for (const frame of this.waiting.values()) bytes += frame.length;
    for (const frame of this.events) bytes += frame.length;
    return bytes;
  }

  /** How long the page has had frames waiting, in ms (0 when none wait). */
  behindForMs(): number {
    return this.behindSinceMs === null ? 0 : this.options.now() - this.behindSinceMs;
  }

  private behind(): boolean {
    return this.socket.bufferedAmount > this.options.highWaterBytes;
  }

  private write(frame: string): void {
    this.socket.send(frame, (error) => {
      if (error === undefined) this.whenWritten();
    });
  }

  private whenWritten(): void {
    if (this.behind()) return;
    const waits = this.owedSnapshot || this.waiting.size > 0 || this.events.length > 0;
    if (waits) this.flush();
  }

  private flush(): void {
    const frames = this.owedSnapshot ? [this.options.snapshot()] : [...this.events, ...this.waiting.values()];
    this.owedSnapshot = false;
    this.events = [];
    this.waiting.clear();
    this.behindSinceMs = null;
    for (const frame of frames) this.write(frame);
  }
}

/** A bound on the bytes a subscription's queue holds, besides its count of messages. */
interface QueueBytes<T> {
  max: number;
  sizeOf: (item: T) => number;
}

/**
 * An async iterator of received messages with its own queue, so a slow consumer does
 * not hold up other subscriptions of the same client.
 */
export class Subscription<T> implements AsyncIterableIterator<T> {
  readonly prefixes: readonly string[];
  /** Each with its size, counted once when it comes. */
  private readonly queue: Array<{ item: T; size: number }> = [];
  private queuedBytes = 0;
  private waiting: ((result: IteratorResult<T>) => void) | undefined;
  private closed = false;
  private dropped = 0;

  constructor(
    prefixes: readonly string[],
    private readonly limit: number,
    private readonly onClose: (subscription: Subscription<T>) => void,
    private readonly onOverflow: (subscription: Subscription<T>) => void,
    /** Default: no bound but the count. */
    private readonly bytes?: QueueBytes<T>,
  ) {
    this.prefixes = prefixes;
  }

  /** Messages dropped because the consumer fell more than `limit` behind. */
  get droppedCount(): number {
    return this.dropped;
  }

  /** Hands over a message; drops the oldest queued ones when the consumer is too far behind (in count or bytes). */
  deliver(item: T): void {
    if (this.closed) return;
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = undefined;
      resolve({ value: item, done: false });
      return;
    }
    const size = this.bytes?.sizeOf(item) ?? 0;
    // 10,000 messages of 64 KiB would be 640 MB: bytes bound the queue too.
    while (this.queue.length > 0 && (this.queue.length >= this.limit || this.queuedBytes + size > (this.bytes?.max ?? Infinity))) {
      this.take();
      this.dropped++;
      this.onOverflow(this);
    }
    this.queue.push({ item, size });
    this.queuedBytes += size;
  }

  next(): Promise<IteratorResult<T>> {
    const item = this.take();
    if (item !== undefined) return Promise.resolve({ value: item, done: false });
    if (this.closed) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => {
      this.waiting = resolve;
    });
  }

  /**
   * The next message, or undefined when none comes within `timeoutMs` or the subscription
   * ends. Unlike racing `next()` against a timer, a late message is not lost.
   */
  nextWithin(timeoutMs: number): Promise<T | undefined> {
    const item = this.take();
    if (item !== undefined) return Promise.resolve(item);
    if (this.closed) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const waiter = (result: IteratorResult<T>): void => {
        clearTimeout(timer);
        resolve(result.done ? undefined : result.value);
      };
      const timer = setTimeout(() => {
        if (this.waiting === waiter) this.waiting = undefined;
        resolve(undefined);
      }, timeoutMs);
      this.waiting = waiter;
    });
  }

  /** Stops the subscription; a pending `next()` ends. Called by `break` in a for-await loop. */
  return(): Promise<IteratorResult<T>> {
    this.close();
    return Promise.resolve({ value: undefined, done: true });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue.length = 0;
    this.queuedBytes = 0;
    const resolve = this.waiting;
    this.waiting = undefined;
    resolve?.({ value: undefined, done: true });
    this.onClose(this);
  }

  private take(): T | undefined {
    const queued = this.queue.shift();
    if (queued === undefined) return undefined;
    this.queuedBytes -= queued.size;
    return queued.item;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

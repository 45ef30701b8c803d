/** Sends on one socket, one after another. */
export interface SendQueue<T> {
  /** Sends after everything queued before; rejects as this send fails, without holding up the later ones. */
  send(message: T): Promise<void>;
  /** Resolves once everything queued so far is sent or has failed. */
  settled(): Promise<void>;
}

/**
 * zeromq.js allows one pending send per socket (a second throws EBUSY): each send waits for the
 * one before it, failed or not.
 */
export function sendQueue<T>(sendOne: (message: T) => Promise<void>): SendQueue<T> {
  let last: Promise<void> = Promise.resolve();
  return {
    send(message) {
      const sent = last.then(() => sendOne(message));
      last = sent.catch(() => undefined);
      return sent;
    },
    settled: () => last,
  };
}

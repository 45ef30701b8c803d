import { XPublisher, type Context } from "zeromq";

/** The distinct subscriptions the publishers hold now, and their bytes. */
export interface Subscriptions {
  prefixes: number;
  bytes: number;
}

export interface SubscriptionWatch {
  close(): void;
}

/**
 * Counts the subscriptions the router's XSUB passes to its publishers, by being one of them:
 * a publisher connected over `inproc` receives what every publisher receives. An XPUB tells
 * its reader only of a prefix's first subscribe and its last unsubscribe, so the count is
 * of distinct prefixes: what each publisher keeps in memory. It costs JavaScript per
 * subscription change, none per forwarded message.
 *
 * It cannot say which subscriber sent a subscription: libzmq's XPUB does not tell its reader
 * (the proxy) which connection a subscription came from.
 */
export function watchSubscriptions(context: Context, endpoint: string, onChange: (now: Subscriptions) => void): SubscriptionWatch {
  const witness = new XPublisher({ context, linger: 0 });
  witness.connect(endpoint);
  const current: Subscriptions = { prefixes: 0, bytes: 0 };
  void (async () => {
    try {
      for await (const [frame] of witness) {
        if (!frame || frame.length === 0 || (frame[0] !== 0 && frame[0] !== 1)) continue;
        const sign = frame[0] === 1 ? 1 : -1;
        current.prefixes += sign;
        current.bytes += sign * (frame.length - 1);
        onChange({ ...current });
      }
    } catch {
      // Closed.
    }
  })();
  return {
    close: () => witness.close(),
  };
}

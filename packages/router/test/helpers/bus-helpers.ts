import { readJournal } from "@roomguard/journal";
import type { BusClient, BusMessage, Subscription } from "@roomguard/bus";

/** Waits until `predicate` holds, polling; fails with `what` after `timeoutMs`. */
export async function eventually(predicate: () => boolean | Promise<boolean>, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The next message of a subscription, or a failure after `timeoutMs`. */
export async function nextMessage<T = BusMessage>(subscription: Subscription<T>, timeoutMs = 5000): Promise<T> {
  const message = await subscription.nextWithin(timeoutMs);
  if (message === undefined) throw new Error(`no message within ${timeoutMs} ms`);
  return message;
}

/** The router's own messages (its heartbeat and stats), which a subscriber to everything also gets. */
export const isRouterOwn = (text: string): boolean => text.startsWith("HEARTBEAT: router ") || text.startsWith("ROUTER: ");

/**
 * Subscriptions take a moment to travel to the publishers. Publishes `probe` until the
 * subscription sees it, then drains the probes still in flight: from then on nothing is
 * lost to a slow join.
 */
export async function awaitSubscribed<T extends BusMessage>(
  publisher: BusClient,
  subscription: Subscription<T>,
  probe: string,
  ignore: (text: string) => boolean = () => false,
): Promise<void> {
  for (let attempt = 0; attempt < 250; attempt++) {
    await publisher.publish(probe);
    const got = await subscription.nextWithin(20);
    if (got?.text === probe) {
      for (let extra = await subscription.nextWithin(50); extra !== undefined; extra = await subscription.nextWithin(50)) {
        if (extra.text !== probe && !ignore(extra.text)) throw new Error(`unexpected message while draining probes: ${extra.text}`);
      }
      return;
    }
  }
  throw new Error(`the subscription never saw the probe ${probe}`);
}

/** Waits until the journal in `dir` holds a message whose first frame is `text` (or these bytes). */
export async function eventuallyJournaled(dir: string, text: string | Buffer, timeoutMs = 2000): Promise<void> {
  const wanted = typeof text === "string" ? Buffer.from(text) : text;
  await eventually(
    async () => {
      for await (const record of readJournal(dir)) if (record.frames[0]?.equals(wanted)) return true;
      return false;
    },
    `${wanted.toString()} in the journal`,
    timeoutMs,
  );
}

import { readJournal } from "@roomguard/journal";
import type { BusClient, BusMessage, Subscription } from "@roomguard/bus";
import { waitUntil } from "@roomguard/testing";

/**
 * Sends with `send` until `seen()` gives something (not undefined) and returns it: a bare PUB
 * socket drops what it sends before the subscription reaches it (the slow joiner), as lala-pi's
 * clients do. `seen` may wait a moment itself (`nextWithin`); else pause `intervalMs` between sends.
 */
export async function sendUntilSeen<T>(
  send: () => Promise<unknown>,
  seen: () => T | undefined | Promise<T | undefined>,
  what: string,
  intervalMs = 0,
): Promise<T> {
  const got = await waitUntil(
    async () => {
      await send();
      return seen();
    },
    { what, intervalMs, until: (value) => value !== undefined },
  );
  return got as T;
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
  await waitUntil(
    async () => {
      for await (const record of readJournal(dir)) if (record.frames[0]?.equals(wanted)) return true;
      return false;
    },
    { what: `${wanted.toString()} in the journal`, timeoutMs },
  );
}

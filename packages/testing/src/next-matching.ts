import type { BusMessage, Subscription } from "@roomguard/bus";

/**
 * Skips a subscription's messages until one matches and returns it; rejects naming `what` (and
 * the last message skipped) when none does within `timeoutMs`.
 */
export async function nextMatching<T extends BusMessage>(
  subscription: Subscription<T>,
  what: string,
  match: (message: T) => boolean,
  timeoutMs = 5000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  let skipped: T | undefined;
  for (;;) {
    const message = await subscription.nextWithin(Math.max(1, end - Date.now()));
    if (!message)
      throw new Error(`no ${what} within ${timeoutMs} ms; last skipped: ${skipped === undefined ? "none" : JSON.stringify(skipped.text)}`);
    if (match(message)) return message;
    skipped = message;
  }
}

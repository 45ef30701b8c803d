import type { Output } from "./output.js";

/** At most one "fell behind" note a second: a reader that cannot keep up would drown in them. */
const NOTE_EVERY_MS = 1000;

/**
 * Says on stderr when a subscription dropped messages because the command printed them more
 * slowly than they came (its queue drops the oldest): `note()` after each message printed,
 * `total()` at the end. Messages the router itself dropped for a slow subscriber are not seen here.
 */
export function fallingBehind(
  subscription: { readonly droppedCount: number },
  output: Output,
  now: () => number = Date.now,
): { note(): void; total(): void } {
  let said = 0;
  let saidAt = -Infinity;
  return {
    note() {
      const dropped = subscription.droppedCount;
      if (dropped === said || now() - saidAt < NOTE_EVERY_MS) return;
      output.err(`# fell behind: dropped ${dropped - said} messages, the oldest waiting (${dropped} in all)`);
      said = dropped;
      saidAt = now();
    },
    total() {
      const dropped = subscription.droppedCount;
      if (dropped > 0) output.err(`# dropped ${dropped} messages in all: the output could not keep up with the bus`);
    },
  };
}

// The bridge benchmark's two bus clients, each a process in its namespace (bridge-bench.ts starts
// them): `publish` on the remote's bus, `subscribe` on the bridge's. Argument: a JSON
// ProbeOptions. Lines on stdout, one JSON object each.
//
// publish: sends `SENSOR: warmup {}` every 50 ms until a line comes on stdin, then `count`
// messages `SENSOR: bench {"t":<ms>,"seq":<n>}` paced at `perSecond`, then prints
// {"sent":count} and exits.
// subscribe: prints {"ready":true} once subscribed, {"warmup":true} at the first warm-up message,
// then {"seq":n,"ms":<arrival − t>} for each bench message, until SIGTERM.
import { createInterface } from "node:readline";
import { setTimeout as delay } from "node:timers/promises";
import { BusClient, hostClientKeys } from "@roomguard/bus";

export interface ProbeOptions {
  mode: "publish" | "subscribe";
  in: string;
  out: string;
  /** A keys directory whose host pair the router allows (a CURVE endpoint); none on loopback. */
  keys?: string;
  count?: number;
  perSecond?: number;
}

/** Milliseconds on the clock both probes share (the same machine): the process's time origin plus its monotonic clock. */
const now = (): number => performance.timeOrigin + performance.now();
const print = (line: object): void => void process.stdout.write(`${JSON.stringify(line)}\n`);

const options = JSON.parse(process.argv[2] ?? "{}") as ProbeOptions;
const client = new BusClient({ in: options.in, out: options.out, ...(options.keys ? { curve: hostClientKeys(options.keys) } : {}) });
await client.waitForRouter(20_000);

if (options.mode === "subscribe") {
  const subscription = client.subscribe("SENSOR: bedroom/");
  process.once("SIGTERM", () => {
    subscription.close();
    void client.close().then(() => process.exit(0));
  });
  print({ ready: true });
  let warm = false;
  for await (const message of subscription) {
    const arrived = now();
    if (message.text.startsWith("SENSOR: bedroom/warmup ")) {
      if (!warm) print({ warmup: true });
      warm = true;
      continue;
    }
    const match = /^SENSOR: bedroom\/bench (\{.*\})$/.exec(message.text);
    if (!match?.[1]) continue;
    const sent = JSON.parse(match[1]) as { t: number; seq: number };
    print({ seq: sent.seq, ms: arrived - sent.t });
  }
} else {
  let go = false;
  const lines = createInterface({ input: process.stdin });
  lines.once("line", () => (go = true));
  while (!go) {
    await client.publish("SENSOR: warmup {}");
    await delay(50);
  }
  lines.close();
  const count = options.count ?? 0;
  const intervalMs = 1000 / (options.perSecond ?? 200);
  // Each message at its own due time from the start, so a late one does not delay the rest.
  const start = now();
  for (let seq = 0; seq < count; seq++) {
    const wait = start + seq * intervalMs - now();
    if (wait > 0) await delay(wait);
    await client.publish(`SENSOR: bench {"t":${now()},"seq":${seq}}`);
  }
  await client.close();
  print({ sent: count });
}

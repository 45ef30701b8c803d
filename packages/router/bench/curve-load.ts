// The CURVE benchmark's load, run inside the router's network namespace: one zeromq.js
// publisher and one subscriber (CURVE clients when keys are given). Prints one JSON line:
// the burst's count and seconds, and the paced messages' one-way latencies in ms.
import { performance } from "node:perf_hooks";
import { Publisher, Subscriber } from "zeromq";

interface LoadArgs {
  in: string;
  out: string;
  keys?: { publicKey: string; secretKey: string; serverKey: string };
  burst: number;
  paced: number;
  perSecond: number;
}

const args = JSON.parse(process.argv[2] ?? "{}") as LoadArgs;
const publisher = new Publisher({ linger: 0, sendHighWaterMark: 100_000 });
const subscriber = new Subscriber({ linger: 0, receiveHighWaterMark: 100_000 });
for (const socket of [publisher, subscriber]) {
  if (!args.keys) continue;
  socket.curveServerKey = args.keys.serverKey;
  socket.curvePublicKey = args.keys.publicKey;
  socket.curveSecretKey = args.keys.secretKey;
}
publisher.connect(args.in);
subscriber.connect(args.out);
subscriber.subscribe("KEY: ");

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Probes until a message makes the round trip: both connections and the subscription are up. */
async function join(): Promise<void> {
  let seen = false;
  const reading = (async () => {
    for await (const [frame] of subscriber) {
      if (frame?.toString() === "KEY: PROBE") {
        seen = true;
        return;
      }
    }
  })();
  for (let i = 0; i < 200 && !seen; i++) {
    await publisher.send("KEY: PROBE");
    await sleep(50);
  }
  if (!seen) throw new Error("no probe came round within 10 s");
  await reading;
}

await join();
const burstText = "KEY: BURST 0000000000000";
const received = { burst: 0, firstAt: 0, lastAt: 0 };
const latencies = new Map<number, number>();
const reader = (async () => {
  for await (const [frame] of subscriber) {
    const text = frame?.toString() ?? "";
    if (text.startsWith("KEY: BURST")) {
      if (received.burst++ === 0) received.firstAt = performance.now();
      received.lastAt = performance.now();
    } else if (text.startsWith("KEY: PACED ")) {
      const [, , seq, sentAt] = text.split(" ");
      latencies.set(Number(seq), performance.now() - Number(sentAt));
    }
  }
})();

// The benchmark reads the router's CPU time at each phase line.
process.stdout.write(`${JSON.stringify({ phase: "burst" })}\n`);
await sleep(300);
const burstStart = performance.now();
for (let i = 0; i < args.burst; i++) await publisher.send(burstText);
await sleep(2000);
const burstSeconds = (received.lastAt - burstStart) / 1000;
process.stdout.write(`${JSON.stringify({ phase: "paced" })}\n`);

const gapMs = 1000 / args.perSecond;
const start = performance.now();
for (let seq = 0; seq < args.paced; seq++) {
  const due = start + seq * gapMs;
  const wait = due - performance.now();
  if (wait > 0) await sleep(wait);
  await publisher.send(`KEY: PACED ${seq} ${performance.now()}`);
}
await sleep(1000);
// A paced message that never came is lost: Infinity, kept in the sample.
const paced = Array.from({ length: args.paced }, (_, seq) => latencies.get(seq) ?? Infinity);
process.stdout.write(`${JSON.stringify({ burst: received.burst, burstSeconds, paced })}\n`);
publisher.close();
subscriber.close();
await reader.catch(() => undefined);
process.exit(0);

// The benchmark's load generator, one role per process, speaking raw ZMTP so that
// thousands of messages go into one write and come out of one read: the generator must
// never be what limits the router's figures. Results are JSON lines on stdout.
//
//   node load.js publish   '{"peer":{…},"count":1000000,"rate":0,"topic":"KEY: LEFT "}'
//   node load.js subscribe '{"peer":{…},"count":1000000,"topic":"KEY: LEFT ","idleMs":3000}'
//   node load.js pong      '{"in":"tcp://…","out":"tcp://…","bind":false}'
//   node load.js ping      '{"in":"tcp://…","out":"tcp://…","rounds":20000}'
//
// A peer is {"host","port","listen"}: connect to it, or listen on it (port 0: any).
// Latency is measured with zeromq.js sockets, the client every roomguard service uses:
// a round trip is one message each way between two such clients, direct or through the router.
import net from "node:net";
import { Publisher, Subscriber } from "zeromq";
import { subscribeFrame, zmtpHandshake, zmtpOpening } from "../src/zmtp.js";
import { ZmtpReader } from "../src/zmtp-reader.js";

interface Peer {
  host: string;
  port: number;
  listen?: boolean;
}

const DIGITS = 14;

function report(value: Record<string, unknown>): void {
  process.stdout.write(JSON.stringify(value) + "\n");
}

/** Connects to the peer, or listens and takes the first connection (announcing the port as `side`). */
function open(peer: Peer, side = "peer"): Promise<net.Socket> {
  if (!peer.listen) {
    return new Promise((resolve, reject) => {
      const socket = net.connect(peer.port, peer.host, () => resolve(socket));
      socket.once("error", reject);
    });
  }
  return new Promise((resolve) => {
    const server = net.createServer((socket) => {
      server.close();
      resolve(socket);
    });
    server.listen(peer.port, peer.host, () => report({ listening: (server.address() as net.AddressInfo).port, side }));
  });
}

async function handshaken(peer: Peer, type: "PUB" | "SUB", side?: string): Promise<{ socket: net.Socket; leftover: Buffer }> {
  const socket = await open(peer, side);
  socket.setNoDelay(true);
  const leftover = await zmtpHandshake(socket, type);
  return { socket, leftover };
}

/** Calls back with the body of each whole single-frame message; returns where the unread rest starts. */
function forEachMessage(data: Buffer, onMessage: (body: Buffer) => void): number {
  let offset = 0;
  while (offset + 2 <= data.length) {
    const flags = data[offset] as number;
    const long = (flags & 2) !== 0;
    if (long && offset + 9 > data.length) break;
    const size = long ? data.readUInt32BE(offset + 5) : (data[offset + 1] as number);
    const start = offset + (long ? 9 : 2);
    if (start + size > data.length) break;
    if (!(flags & 4)) onMessage(data.subarray(start, start + size));
    offset = start + size;
  }
  return offset;
}

/** Resolves once the peer subscribed to a prefix of `topic` (a PUB must not send before: it would be dropped). */
function subscribed(socket: net.Socket, leftover: Buffer, topic: string): Promise<void> {
  return new Promise((resolve) => {
    let pending = leftover;
    const check = (chunk: Buffer): void => {
      pending = Buffer.concat([pending, chunk]);
      const used = forEachMessage(pending, (body) => {
        if (body[0] === 1 && topic.startsWith(body.subarray(1).toString())) {
          socket.off("data", check);
          resolve();
        }
      });
      pending = pending.subarray(used);
    };
    socket.on("data", check);
    socket.resume();
    check(Buffer.alloc(0));
  });
}

/** Writes `count` messages `<topic><14-digit sequence>`, at `rate` per second (0: as fast as the socket takes them). */
async function publish(options: { peer: Peer; count: number; rate: number; topic: string }): Promise<void> {
  const { socket, leftover } = await handshaken(options.peer, "PUB");
  await subscribed(socket, leftover, options.topic);
  socket.on("data", () => undefined); // later subscriptions: not needed
  const body = Buffer.from(options.topic + "0".repeat(DIGITS));
  const frameBytes = body.length + 2;
  const template = Buffer.concat([Buffer.from([0, body.length]), body]);
  const started = process.hrtime.bigint();
  let sent = 0;
  const batch = (n: number): Buffer => {
    const out = Buffer.allocUnsafe(n * frameBytes);
    for (let k = 0; k < n; k++) {
      const at = k * frameBytes;
      template.copy(out, at);
      // The sequence number, written in place of the zeros.
      for (let seq = sent + k, digit = frameBytes - 1; seq > 0; seq = Math.floor(seq / 10), digit--) out[at + digit] = 48 + (seq % 10);
    }
    sent += n;
    return out;
  };
  await new Promise<void>((resolve) => {
    const step = (): void => {
      while (sent < options.count) {
        const elapsedS = Number(process.hrtime.bigint() - started) / 1e9;
        const due = options.rate > 0 ? Math.min(options.count, Math.floor(elapsedS * options.rate)) : options.count;
        const n = Math.min(4096, due - sent);
        if (n <= 0) {
          setTimeout(step, 1);
          return;
        }
        if (!socket.write(batch(n))) {
          socket.once("drain", step);
          return;
        }
      }
      resolve();
    };
    step();
  });
  const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
  socket.end();
  report({ sent, elapsedMs });
}

/**
 * Counts messages of `topic`, checking the sequence numbers; reports when all came or none
 * for `idleMs`. Connects (never listens) and reads into one reused buffer, like the
 * router's tap: a subscriber that allocates per read falls behind on a busy two-core
 * machine, and the generator must not be what loses messages.
 */
async function subscribe(options: { peer: Peer; count: number; topic: string; idleMs: number }): Promise<void> {
  let received = 0;
  let gaps = 0;
  let expected = 0;
  let firstAt = 0;
  let lastAt = performance.now();
  const countSequence = (body: Buffer): void => {
    let seq = 0;
    for (let i = body.length - DIGITS; i < body.length; i++) seq = seq * 10 + ((body[i] as number) - 48);
    if (seq > expected) gaps += seq - expected;
    expected = seq + 1;
    received++;
  };
  const reader = new ZmtpReader(
    () => {
      socket.write(subscribeFrame(options.topic));
      report({ ready: true });
    },
    (data) => {
      const now = performance.now();
      if (received === 0 && data.length > 0) firstAt = now;
      if (data.length > 0) lastAt = now;
      const used = forEachMessage(data, countSequence);
      if (received >= options.count) done();
      return used;
    },
    (error) => {
      throw error;
    },
    1024 * 1024,
  );
  const socket = net.connect({ host: options.peer.host, port: options.peer.port, onread: reader.onread });
  socket.setNoDelay(true);
  socket.on("connect", () => socket.write(zmtpOpening("SUB")));
  const watchdog = setInterval(() => {
    if (performance.now() - lastAt > options.idleMs) done();
  }, 100);
  const done = (): void => {
    clearInterval(watchdog);
    report({ received, lost: options.count - received, gaps, firstAtMs: firstAt, lastAtMs: lastAt, seconds: (lastAt - firstAt) / 1000 });
    socket.destroy();
  };
  await new Promise((resolve) => socket.on("close", resolve));
}

/** Answers every `PING: <n>` with `PONG: <n>`; binds its two sockets in the direct setup. */
async function pong(options: { in: string; out: string; bind: boolean }): Promise<void> {
  const pub = new Publisher();
  const sub = new Subscriber();
  sub.subscribe("PING: ");
  if (options.bind) {
    await pub.bind(options.in);
    await sub.bind(options.out);
  } else {
    pub.connect(options.in);
    sub.connect(options.out);
  }
  report({ ready: true });
  for await (const [message] of sub) {
    if (!message) continue;
    message.write("PONG", 0, "latin1");
    await pub.send(message);
  }
}

/** Sends PING n, waits for PONG n, `rounds` times; reports round-trip percentiles in µs. */
async function ping(options: { in: string; out: string; rounds: number }): Promise<void> {
  const pub = new Publisher();
  const sub = new Subscriber({ receiveTimeout: 20 });
  sub.subscribe("PONG: ");
  pub.connect(options.in);
  sub.connect(options.out);
  const roundTrip = async (n: number): Promise<number | null> => {
    const started = process.hrtime.bigint();
    await pub.send(`PING: ${n}`);
    for (;;) {
      let reply: Buffer | undefined;
      try {
        [reply] = await sub.receive();
      } catch {
        return null; // timed out: still joining
      }
      if (reply?.toString() === `PONG: ${n}`) return Number(process.hrtime.bigint() - started) / 1000;
    }
  };
  let n = 0;
  for (let tries = 0; tries < 500 && (await roundTrip(n++)) === null; tries++);
  sub.receiveTimeout = 1000;
  for (let i = 0; i < 1000; i++) await roundTrip(n++);
  const samples: number[] = [];
  for (let i = 0; i < options.rounds; i++) {
    const rtt = await roundTrip(n++);
    if (rtt !== null) samples.push(rtt);
  }
  samples.sort((a, b) => a - b);
  const at = (q: number): number => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))] ?? NaN;
  report({ rounds: samples.length, lost: options.rounds - samples.length, p50: at(0.5), p99: at(0.99), max: samples.at(-1) ?? NaN });
  pub.close();
  sub.close();
}

const [role, json] = process.argv.slice(2);
const options = JSON.parse(json ?? "{}") as never;
const roles: Record<string, (options: never) => Promise<void>> = { publish, subscribe, pong, ping };
const run = roles[role ?? ""];
if (!run) {
  process.stderr.write(`usage: load.js publish|subscribe|pong|ping '<json options>'\n`);
  process.exit(64);
}
await run(options);

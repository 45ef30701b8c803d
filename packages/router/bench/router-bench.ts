// The router benchmark (`pnpm bench`): a real router process, a raw-ZMTP load generator
// in other processes, loopback TCP. Prints a table and writes it to docs/performance.md.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { readJournal } from "@roomguard/journal";
import { readStat, statusBytes, threadsOf } from "@roomguard/runtime";
import { type BenchRow, formatNumber, freePort, publishBenchReport } from "@roomguard/testing";

const here = path.dirname(fileURLToPath(import.meta.url));
const ROUTER_MAIN = path.join(here, "..", "src", "main.js");
const LOAD = path.join(here, "load.js");
const PLAIN_PROXY = path.join(here, "plain-proxy.js");
const REPO = path.resolve(here, "..", "..", "..", "..");

interface Peer {
  host: string;
  port: number;
  listen?: boolean;
}

// ---------------------------------------------------------------- processes

interface Load {
  child: ChildProcess;
  next(): Promise<Record<string, number>>;
  done: Promise<void>;
}

/** Every process the benchmark started, killed if it is interrupted. */
const children = new Set<ChildProcess>();
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    for (const child of children) child.kill("SIGKILL");
    process.exit(130);
  });
}

function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.on("exit", () => children.delete(child));
  return child;
}

/** Starts a load role; `next()` yields its JSON lines in order. */
function load(role: string, options: object): Load {
  const child = track(spawn(process.execPath, [LOAD, role, JSON.stringify(options)], { stdio: ["ignore", "pipe", "inherit"] }));
  const lines: Array<Record<string, number>> = [];
  const waiters: Array<(line: Record<string, number>) => void> = [];
  let buffered = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    buffered += chunk.toString();
    for (let end = buffered.indexOf("\n"); end >= 0; end = buffered.indexOf("\n")) {
      const line = JSON.parse(buffered.slice(0, end)) as Record<string, number>;
      buffered = buffered.slice(end + 1);
      const waiter = waiters.shift();
      if (waiter) waiter(line);
      else lines.push(line);
    }
  });
  return {
    child,
    next: () => {
      const line = lines.shift();
      return line ? Promise.resolve(line) : new Promise((resolve) => waiters.push(resolve));
    },
    done: new Promise((resolve) => child.on("exit", () => resolve())),
  };
}

interface Router {
  child: ChildProcess;
  in: Peer;
  out: Peer;
  journalDir: string;
  stop(): Promise<number | null>;
}

/** Starts the router (or, with `plain`, libzmq's proxy alone) and waits until it listens. */
async function startRouter(dir: string, plain = false): Promise<Router> {
  const journalDir = path.join(dir, "journal");
  const config = path.join(dir, "roomguard.yaml");
  writeFileSync(
    config,
    [
      "bus:",
      "  in: tcp://127.0.0.1:*",
      "  out: tcp://127.0.0.1:*",
      "router:",
      "  journal:",
      `    dir: ${journalDir}`,
      "log:",
      "  level: info",
      "  format: json",
    ].join("\n") + "\n",
  );
  const child = track(
    spawn(process.execPath, plain ? [PLAIN_PROXY] : [ROUTER_MAIN, "--config", config], {
      stdio: ["ignore", "pipe", "inherit"],
    }),
  );
  const listening = await new Promise<Record<string, string>>((resolve, reject) => {
    let buffered = "";
    const onData = (chunk: Buffer): void => {
      buffered += chunk.toString();
      for (const line of buffered.split("\n")) {
        if (!line.includes('"listening"')) continue;
        child.stdout?.off("data", onData);
        child.stdout?.resume();
        resolve(JSON.parse(line) as Record<string, string>);
      }
    };
    child.stdout?.on("data", onData);
    child.on("exit", (code) => reject(new Error(`the router exited (${String(code)}) before listening`)));
  });
  const peer = (endpoint: string | undefined): Peer => ({ host: "127.0.0.1", port: Number(endpoint?.split(":").pop()) });
  return {
    child,
    in: peer(listening.in),
    out: peer(listening.out),
    journalDir,
    stop: () =>
      new Promise((resolve) => {
        child.on("exit", (code) => resolve(code));
        child.kill("SIGTERM");
      }),
  };
}

// ---------------------------------------------------------------- measurements

/** CPU ms of each thread of a process, by thread id and name. */
function threadCpuMs(pid: number): Map<string, number> {
  const used = new Map<string, number>();
  for (const thread of threadsOf(pid)) {
    const stat = readStat(pid, thread);
    if (stat) used.set(`${thread} ${stat.name}`, stat.userMs + stat.systemMs);
  }
  return used;
}

/** CPU µs per message between two samples, in total and for the threads that did the work. */
function cpuPerMessage(
  before: Map<string, number>,
  after: Map<string, number>,
  messages: number,
  mainTid: number,
): { total: number; parts: string } {
  let total = 0;
  const parts: Array<[string, number]> = [];
  for (const [thread, ms] of after) {
    const used = ms - (before.get(thread) ?? 0);
    total += used;
    if (used === 0) continue;
    const [tid, name] = thread.split(" ");
    const label = Number(tid) === mainTid ? "JS (journal)" : name === "ZMQbg/IO/0" ? "zmq I/O" : name?.startsWith("ZMQ") ? name : "proxy";
    parts.push([label, used]);
  }
  const merged = new Map<string, number>();
  for (const [label, used] of parts) merged.set(label, (merged.get(label) ?? 0) + used);
  const perMessage = (msUsed: number): number => (msUsed * 1000) / messages;
  return {
    total: perMessage(total),
    parts: [...merged].map(([label, used]) => `${label} ${perMessage(used).toFixed(2)}`).join(", "),
  };
}

function rssMb(pid: number, field: "VmRSS" | "VmHWM"): number {
  return (statusBytes(pid, field) ?? NaN) / 2 ** 20;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function journaled(dir: string, prefix: string): Promise<number> {
  const seen = new Set<string>();
  for await (const record of readJournal(dir)) {
    const text = record.frames[0]?.toString("latin1") ?? "";
    if (text.startsWith(prefix)) seen.add(text);
  }
  return seen.size;
}

// ---------------------------------------------------------------- phases

interface Burst {
  rate: number;
  lost: number;
  journalLost: number;
  cpuUs: number;
  cpuParts: string;
}

/** `count` messages like `KEY: RUN1 00000000000123` (24 bytes), as fast as they go. */
async function burst(count: number, run: number, publishTo: Peer, subscribeAt: Peer, router?: Router, journal = true): Promise<Burst> {
  const topic = `KEY: RUN${run} `;
  // The subscriber always connects; in the direct setup the publisher listens for it.
  let publisher: Load;
  let subscriber: Load;
  let before = new Map<string, number>();
  if (publishTo.listen) {
    publisher = load("publish", { peer: publishTo, count, rate: 0, topic });
    const port = (await publisher.next()).listening ?? 0;
    subscriber = load("subscribe", { peer: { host: "127.0.0.1", port }, count, topic, idleMs: 3000 });
    await subscriber.next();
  } else {
    subscriber = load("subscribe", { peer: subscribeAt, count, topic, idleMs: 3000 });
    await subscriber.next();
    if (router) before = threadCpuMs(router.child.pid ?? 0);
    publisher = load("publish", { peer: publishTo, count, rate: 0, topic });
  }
  const result = await subscriber.next();
  await publisher.done;
  await sleep(500); // the journal's last writes belong to this burst
  const cpu = router ? cpuPerMessage(before, threadCpuMs(router.child.pid ?? 0), count, router.child.pid ?? 0) : { total: NaN, parts: "" };
  const journalLost = router && journal ? count - (await journaled(router.journalDir, topic)) : 0;
  return {
    rate: (result.received ?? 0) / (result.seconds ?? Infinity),
    lost: result.lost ?? count,
    journalLost,
    cpuUs: cpu.total,
    cpuParts: cpu.parts,
  };
}

async function sustained(router: Router, rate: number, seconds: number): Promise<{ lost: number; journalLost: number }> {
  const topic = "KEY: SUST ";
  const count = rate * seconds;
  const subscriber = load("subscribe", { peer: router.out, count, topic, idleMs: 3000 });
  await subscriber.next();
  const publisher = load("publish", { peer: router.in, count, rate, topic });
  const result = await subscriber.next();
  await publisher.done;
  await sleep(1500);
  return { lost: result.lost ?? count, journalLost: count - (await journaled(router.journalDir, topic)) };
}

async function latency(rounds: number, router?: Router): Promise<Record<string, number>> {
  const endpoint = (peer: Peer): string => `tcp://${peer.host}:${peer.port}`;
  let endpoints: { in: string; out: string };
  if (router) endpoints = { in: endpoint(router.in), out: endpoint(router.out) };
  else {
    const [inPort, outPort] = await Promise.all([freePort(), freePort()]); // both listening at once: two ports
    // Direct: the pong binds where the router would be; the ping connects the same way.
    endpoints = { in: `tcp://127.0.0.1:${inPort}`, out: `tcp://127.0.0.1:${outPort}` };
  }
  const ponger = load("pong", { in: endpoints.in, out: endpoints.out, bind: !router });
  await ponger.next();
  // The ping publishes where the pong subscribes, and subscribes where the pong publishes.
  const pinger = load("ping", { ...(router ? endpoints : { in: endpoints.out, out: endpoints.in }), rounds });
  const result = await pinger.next();
  ponger.child.kill();
  await ponger.done;
  return result;
}

async function stuckSubscriber(router: Router, rate: number, seconds: number): Promise<{ healthyLost: number; peakRssMb: number }> {
  const topic = "KEY: STUCK ";
  const count = rate * seconds;
  const healthy = load("subscribe", { peer: router.out, count, topic, idleMs: 3000 });
  const stuck = load("subscribe", { peer: router.out, count, topic, idleMs: 3000 });
  await healthy.next();
  await stuck.next();
  stuck.child.kill("SIGSTOP");
  const pid = router.child.pid ?? 0;
  let peak = rssMb(pid, "VmRSS");
  const sampler = setInterval(() => (peak = Math.max(peak, rssMb(pid, "VmRSS"))), 50);
  const publisher = load("publish", { peer: router.in, count, rate, topic });
  const result = await healthy.next();
  await publisher.done;
  clearInterval(sampler);
  stuck.child.kill("SIGKILL");
  await stuck.done;
  return { healthyLost: result.lost ?? count, peakRssMb: peak };
}

// ---------------------------------------------------------------- report

async function main(): Promise<void> {
  const quick = process.argv.includes("--quick");
  const burstCount = quick ? 200_000 : 1_000_000;
  const runs = quick ? 1 : 3;
  const dir = mkdtempSync(path.join(os.tmpdir(), "roomguard-bench-"));
  const log = (text: string): void => void process.stderr.write(`bench: ${text}\n`);
  const router = await startRouter(dir);
  const pid = router.child.pid ?? 0;
  try {
    await sleep(2000);
    const idleRss = rssMb(pid, "VmRSS");
    log(`router idle RSS ${formatNumber(idleRss, 1)} MB`);

    const routed: Burst[] = [];
    const direct: Burst[] = [];
    for (let run = 0; run < runs; run++) {
      routed.push(await burst(burstCount, run + 1, router.in, router.out, router));
      log(
        `routed burst ${run + 1}: ${formatNumber(routed.at(-1)?.rate ?? 0)} msgs/s, lost ${routed.at(-1)?.lost ?? "?"}, ${formatNumber(routed.at(-1)?.cpuUs ?? 0, 2)} µs CPU/msg`,
      );
      direct.push(await burst(burstCount, run + 1, { host: "127.0.0.1", port: 0, listen: true }, { host: "127.0.0.1", port: 0 }));
      log(`direct burst ${run + 1}: ${formatNumber(direct.at(-1)?.rate ?? 0)} msgs/s, lost ${direct.at(-1)?.lost ?? "?"}`);
    }
    const burstPeakRss = rssMb(pid, "VmHWM");
    const median = <T>(items: T[], key: (item: T) => number): T =>
      [...items].sort((a, b) => key(a) - key(b))[Math.floor(items.length / 2)] as T;
    const r = median(routed, (b) => b.rate);
    const d = median(direct, (b) => b.rate);
    const worstLost = Math.max(...routed.map((b) => b.lost));
    const worstJournalLost = Math.max(...routed.map((b) => b.journalLost));
    const cpu = median(routed, (b) => b.cpuUs);
    const cpuRange = `${formatNumber(Math.min(...routed.map((b) => b.cpuUs)), 2)}–${formatNumber(Math.max(...routed.map((b) => b.cpuUs)), 2)}`;
    const lostPerRun = routed.map((b) => `${formatNumber(b.lost)}/${formatNumber(b.journalLost)}`).join(", ");

    const sust = await sustained(router, 200_000, quick ? 3 : 10);
    log(`sustained: lost ${sust.lost} forwarding, ${sust.journalLost} journal`);
    // Interleaved, so that a noisy moment of the machine does not fall on one side only.
    const routedRuns: Array<Record<string, number>> = [];
    const directRuns: Array<Record<string, number>> = [];
    for (let run = 0; run < runs; run++) {
      directRuns.push(await latency(quick ? 5000 : 20_000));
      routedRuns.push(await latency(quick ? 5000 : 20_000, router));
    }
    const routedLatency = median(routedRuns, (result) => result.p50 ?? Infinity);
    const directLatency = median(directRuns, (result) => result.p50 ?? Infinity);
    log(`latency p50 routed ${formatNumber(routedLatency.p50 ?? 0)} µs, direct ${formatNumber(directLatency.p50 ?? 0)} µs`);
    const stuckSeconds = quick ? 2 : 5;
    const stuckCount = 200_000 * stuckSeconds;
    const stuck = await stuckSubscriber(router, 200_000, stuckSeconds);
    log(`stuck subscriber: healthy lost ${stuck.healthyLost}, peak RSS ${formatNumber(stuck.peakRssMb, 1)} MB`);
    const exit = await router.stop();

    // The same burst and ping-pong through libzmq's proxy alone: what the journal, stats and control cost.
    const plain = await startRouter(dir, true);
    const plainBurst = await burst(burstCount, 9, plain.in, plain.out, plain, false);
    const plainLatency = await latency(quick ? 5000 : 20_000, plain);
    plain.child.kill("SIGKILL");
    log(
      `plain proxy: ${formatNumber(plainBurst.rate)} msgs/s, ${formatNumber(plainBurst.cpuUs, 2)} µs CPU/msg, latency p50 ${formatNumber(plainLatency.p50 ?? 0)} µs`,
    );

    const rows: BenchRow[] = [
      {
        measure: `routed burst, ${formatNumber(burstCount)} × 24 B (median of ${runs})`,
        value: `${formatNumber(r.rate)} msgs/s`,
        target: "≥ 1,300,000 msgs/s",
        ok: r.rate >= 1_300_000,
      },
      {
        measure: "routed burst: lost, forwarding/journal, each run",
        value: lostPerRun,
        target: "0",
        ok: worstLost === 0 && worstJournalLost === 0,
      },
      {
        measure: `router CPU per message (median of ${runs}; range)`,
        value: `${formatNumber(cpu.cpuUs, 2)} µs (${cpuRange}); by thread: ${cpu.cpuParts}`,
        target: "≤ 0.7 µs",
        ok: cpu.cpuUs <= 0.7,
      },
      {
        measure: "direct burst, same generator (median)",
        value: `${formatNumber(d.rate)} msgs/s, lost ${formatNumber(d.lost)}`,
        target: "≥ 3,250,000 msgs/s (2.5 × routed target)",
        ok: d.rate >= 3_250_000,
      },
      {
        measure: "sustained 200,000 msgs/s, journal on: lost",
        value: `${formatNumber(sust.lost)} forwarding, ${formatNumber(sust.journalLost)} journal`,
        target: "0 and 0",
        ok: sust.lost === 0 && sust.journalLost === 0,
      },
      {
        measure: `latency through the router, p50 / p99 / max (median of ${runs})`,
        value: `${formatNumber(routedLatency.p50 ?? NaN)} / ${formatNumber(routedLatency.p99 ?? NaN)} / ${formatNumber(routedLatency.max ?? NaN)} µs`,
        target: "p50 ≤ 2.5 × direct p50",
        ok: (routedLatency.p50 ?? Infinity) <= 2.5 * (directLatency.p50 ?? 0),
      },
      {
        measure: `latency direct, p50 / p99 / max (median of ${runs})`,
        value: `${formatNumber(directLatency.p50 ?? NaN)} / ${formatNumber(directLatency.p99 ?? NaN)} / ${formatNumber(directLatency.max ?? NaN)} µs`,
        target: "",
        ok: null,
      },
      {
        measure: `stuck subscriber (SIGSTOP) beside a healthy one, ${formatNumber(stuckCount)} messages: healthy one lost`,
        value: formatNumber(stuck.healthyLost),
        target: "0",
        ok: stuck.healthyLost === 0,
      },
      {
        measure: "stuck subscriber: router peak RSS",
        value: `${formatNumber(stuck.peakRssMb, 1)} MB`,
        target: "bounded (≤ 96 MB)",
        ok: stuck.peakRssMb <= 96,
      },
      { measure: "router RSS idle", value: `${formatNumber(idleRss, 1)} MB`, target: "≤ 64 MB", ok: idleRss <= 64 },
      {
        measure: "router peak RSS after the bursts",
        value: `${formatNumber(burstPeakRss, 1)} MB`,
        target: "≤ 96 MB",
        ok: burstPeakRss <= 96,
      },
      {
        measure: "for comparison: libzmq's proxy alone, no journal, stats or control (1 run)",
        value: `${formatNumber(plainBurst.rate)} msgs/s, lost ${formatNumber(plainBurst.lost)}, ${formatNumber(plainBurst.cpuUs, 2)} µs CPU/msg, latency p50 ${formatNumber(plainLatency.p50 ?? NaN)} µs`,
        target: "",
        ok: null,
      },
      { measure: "router exit on SIGTERM", value: String(exit), target: "0", ok: exit === 0 },
    ];
    publishBenchReport(REPO, "router", {
      title: "Router",
      script: "packages/router/dist/bench/router-bench.js",
      quick,
      rows,
      notes: [
        "The router runs as its own process with the default config (journal on, loopback TCP). The load generator",
        "(packages/router/bench/load.ts) runs in separate processes and speaks raw ZMTP, thousands of messages per",
        "read or write, so that it is not what limits the figures. Rates are counted at the subscriber, from its first",
        "message to its last; lost is sent minus received (the sequence numbers in the messages also find gaps); router",
        "CPU is the router process's CPU time over the burst (and the journal's writes after it), per message delivered.",
        "Latency is a ping-pong between two zeromq.js clients (what every roomguard service uses), 20,000 round trips.",
      ],
    });
  } finally {
    router.child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();

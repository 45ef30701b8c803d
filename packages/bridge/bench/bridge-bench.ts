// The bridge benchmark (`pnpm bench`): how long a message takes from a remote Pi's bus to this
// one's through the bridge, across a real non-loopback link. Two network namespaces joined by a
// veth pair: in b the bedroom's router on 10.99.0.2 (CURVE) and a publisher; in a the hall's
// router on 127.0.0.1, the hall's bridge (taking DOOR: and SENSOR: from the bedroom) and a
// subscriber. Root only.
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { allowKey, createKeyPair, ROUTER_KEY } from "@roomguard/bus";
import {
  formatNumber,
  processUsage,
  publishBenchReport,
  quantile,
  routerMain,
  vethPair,
  waitUntil,
  watchServiceOutput,
  type NetSide,
  type VethPair,
  type WatchedProcess,
} from "@roomguard/testing";
import type { ProbeOptions } from "./bridge-probe.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const BRIDGE_MAIN = path.join(here, "..", "src", "main.js");
const PROBE = path.join(here, "bridge-probe.js");
const REPO = path.resolve(here, "..", "..", "..", "..");
const quick = process.argv.includes("--quick");
const COUNT = quick ? 400 : 2000;
const PER_SECOND = 200;
/** After the last send, how long a message may still come before it counts as lost. */
const GRACE_MS = 2000;
const P99_TARGET_MS = 20;

const env = { ...process.env, ROOMGUARD_CONFIG: "" };
const log = { level: "info", format: "json" };

/** A service's main.js in a namespace with its own config file. */
function service(side: NetSide, dir: string, name: string, main: string, config: Record<string, unknown>): WatchedProcess {
  const file = path.join(dir, `${name}.yaml`);
  writeFileSync(file, JSON.stringify(config, null, 2));
  return watchServiceOutput(side.spawn(process.execPath, [main, "--config", file], { stdio: ["ignore", "pipe", "pipe"], env }), name);
}

/** A probe process in a namespace, its stdout's JSON lines handed to `onLine`. */
function probe(side: NetSide, options: ProbeOptions, onLine: (line: Record<string, unknown>) => void): ChildProcess {
  const child = side.spawn(process.execPath, [PROBE, JSON.stringify(options)], { stdio: ["pipe", "pipe", "inherit"], env });
  let buffered = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    buffered += chunk.toString();
    for (let end = buffered.indexOf("\n"); end >= 0; end = buffered.indexOf("\n")) {
      onLine(JSON.parse(buffered.slice(0, end)) as Record<string, unknown>);
      buffered = buffered.slice(end + 1);
    }
  });
  return child;
}

/** Resolves when `child` has exited (at once if it already has). */
function exitOf(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

interface Measured {
  /** Every message's latency in ms, ascending; Infinity for one that never arrived. */
  latencies: number[];
  bridgeCpuMs: number;
  wallMs: number;
  bridgeRssBytes: number;
}

async function measure(net: VethPair, dir: string): Promise<Measured> {
  // The keys as `roomguard keys init` makes them on each Pi, and the hall's host key allowed at
  // the bedroom's router (`roomguard keys allow hall host.key` there).
  const keys = { hall: path.join(dir, "hall-keys"), bedroom: path.join(dir, "bedroom-keys") };
  const hallHost = createKeyPair(keys.hall, "host");
  createKeyPair(keys.hall, ROUTER_KEY);
  createKeyPair(keys.bedroom, "host");
  const bedroomRouter = createKeyPair(keys.bedroom, ROUTER_KEY);
  allowKey(keys.bedroom, "hall", hallHost.publicKey);

  const bedroomBus = { in: `tcp://${net.b.address}:5556`, out: `tcp://${net.b.address}:5555` };
  const hallBus = { in: "tcp://127.0.0.1:5556", out: "tcp://127.0.0.1:5555" };
  const routers = [
    service(net.b, dir, "router-bedroom", routerMain(), {
      bus: { ...bedroomBus, keys: keys.bedroom },
      router: { journal: { dir: path.join(dir, "journal-bedroom") } },
      log,
    }),
    service(net.a, dir, "router-hall", routerMain(), {
      bus: { ...hallBus, keys: keys.hall },
      router: { journal: { dir: path.join(dir, "journal-hall") } },
      log,
    }),
  ];
  services.push(...routers);
  await Promise.all(routers.map((router) => router.waitForLog((line) => line.msg === "listening", 20_000)));
  const bridge = service(net.a, dir, "bridge", BRIDGE_MAIN, {
    bus: { ...hallBus, keys: keys.hall },
    bridge: {
      room: "hall",
      remotes: [{ name: "bedroom", ...bedroomBus, routerKey: bedroomRouter.publicKey, from: ["DOOR:", "SENSOR:"] }],
    },
    log,
  });
  services.push(bridge);

  const arrived = new Map<number, number>();
  let subscriberReady = false;
  let warm = false;
  const subscriber = probe(net.a, { mode: "subscribe", ...hallBus }, (line) => {
    if (line.ready === true) subscriberReady = true;
    if (line.warmup === true) warm = true;
    if (typeof line.seq === "number" && typeof line.ms === "number" && !arrived.has(line.seq)) arrived.set(line.seq, line.ms);
  });
  probes.push(subscriber);
  await waitUntil(() => subscriberReady, { what: "the subscriber on the hall's bus", timeoutMs: 20_000 });
  let sent = false;
  const publisher = probe(net.b, { mode: "publish", ...bedroomBus, keys: keys.bedroom, count: COUNT, perSecond: PER_SECOND }, (line) => {
    if (typeof line.sent === "number") sent = true;
  });
  probes.push(publisher);
  // The bridge connected and passing: a warm-up message has crossed.
  await waitUntil(() => warm, { what: "a warm-up message through the bridge", timeoutMs: 30_000 });

  const bridgePid = bridge.child.pid ?? 0;
  const before = processUsage(bridgePid).cpuMs;
  const startedAt = performance.now();
  publisher.stdin?.end("go\n");
  await waitUntil(() => sent, { what: "the publisher's last message", timeoutMs: (COUNT / PER_SECOND) * 1000 + 30_000, intervalMs: 50 });
  // Until every message came or the grace ran out: those missing then are lost.
  const lastSentAt = performance.now();
  await waitUntil(() => arrived.size === COUNT || performance.now() - lastSentAt >= GRACE_MS, {
    what: "the last messages or the grace",
    timeoutMs: GRACE_MS + 5000,
    intervalMs: 20,
  });
  const wallMs = performance.now() - startedAt;
  const usage = processUsage(bridgePid);
  const latencies = Array.from({ length: COUNT }, (_, seq) => arrived.get(seq) ?? Infinity).sort((a, b) => a - b);
  return { latencies, bridgeCpuMs: usage.cpuMs - before, wallMs, bridgeRssBytes: usage.rssBytes };
}

const dir = mkdtempSync(path.join(os.tmpdir(), "roomguard-bridge-bench-"));
const services: WatchedProcess[] = [];
const probes: ChildProcess[] = [];
let net: VethPair | undefined;
try {
  net = vethPair();
  const run = await measure(net, dir);
  const lost = run.latencies.filter((ms) => !Number.isFinite(ms)).length;
  const ms = (value: number): string => (Number.isFinite(value) ? `${formatNumber(value, 2)} ms` : "lost");
  const p99 = quantile(run.latencies, 0.99);
  publishBenchReport(REPO, "bridge", {
    title: "Bridge: a remote Pi's messages on this bus",
    script: "packages/bridge/dist/bench/bridge-bench.js",
    quick,
    rows: [
      { measure: `latency at ${PER_SECOND}/s, p50`, value: ms(quantile(run.latencies, 0.5)), target: "", ok: null },
      { measure: `latency at ${PER_SECOND}/s, p99`, value: ms(p99), target: `≤ ${P99_TARGET_MS} ms`, ok: p99 <= P99_TARGET_MS },
      { measure: "latency, max", value: ms(run.latencies.at(-1) ?? NaN), target: "", ok: null },
      { measure: `messages lost, of ${formatNumber(COUNT)}`, value: formatNumber(lost), target: "none", ok: lost === 0 },
      {
        measure: "bridge CPU over the run (% of one core)",
        value: `${formatNumber((run.bridgeCpuMs / run.wallMs) * 100, 1)} % (${formatNumber(run.bridgeCpuMs)} ms in ${formatNumber(run.wallMs / 1000, 1)} s); RSS ${formatNumber(run.bridgeRssBytes / 2 ** 20, 1)} MiB at the end`,
        target: "",
        ok: null,
      },
    ],
    notes: [
      `Two network namespaces the benchmark makes, joined by a veth pair (\`vethPair()\`, 10.99.0.1 ↔ 10.99.0.2): a real non-loopback link between two "Pis" on one machine. In b, the bedroom's router (\`packages/router/dist/src/main.js\`, journal on) bound on 10.99.0.2, hence CURVE, and a publisher (a \`BusClient\` with the bedroom's host keys). In a, the hall's router on 127.0.0.1 (plain: the hall's local bus is not what is measured), the hall's bridge (\`packages/bridge/dist/src/main.js\`, \`bridge.remotes: [{ name: bedroom, from: [DOOR:, SENSOR:] }]\`, its host key allowed at the bedroom's router) and a subscriber to \`SENSOR: bedroom/\`. Keys from \`createKeyPair\`/\`allowKey\`, as \`roomguard keys\` writes them.`,
      `The publisher sends \`SENSOR: warmup {}\` every 50 ms until one has reached the subscriber (the bridge connected), then ${formatNumber(COUNT)} messages \`SENSOR: bench {"t":…,"seq":n}\` at ${PER_SECOND}/s, each due at its own time from the start. \`t\` is \`performance.timeOrigin + performance.now()\` just before the publish; the subscriber takes the same clock on arrival (the same machine, so no clock sync), and latency is arrival − t: the publisher's client and CURVE link to its router, the bedroom's router, the bridge's CURVE subscription across the veth, the bridge's mapping and its publish to the hall's router, that router, and the subscriber's client. A message that had not arrived ${formatNumber(GRACE_MS / 1000)} s after the last was sent counts as lost (Infinity) and stays in the sample. Bridge CPU is user + system time from /proc/<pid>/stat from the first bench message to the end of the run.`,
    ],
  });
} finally {
  for (const child of probes) {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await exitOf(child);
  }
  await Promise.all(services.map((child) => child.stop("SIGTERM")));
  net?.close();
  rmSync(dir, { recursive: true, force: true });
}

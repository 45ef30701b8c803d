// The CURVE benchmark (`pnpm bench`): what encryption costs the router, beside the two plain
// transports. The same router, load and network namespace three times: ipc sockets (the Pi's
// local bus), plain on 127.0.0.1, then CURVE on the namespace's veth address (10.99.0.1, routed
// locally like loopback), so only the transport differs. Root only.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createKeyPair, hostClientKeys, ROUTER_KEY } from "@roomguard/bus";
import {
  formatNumber,
  processUsage,
  publishBenchReport,
  quantile,
  vethPair,
  watchServiceOutput,
  type BenchRow,
  type VethPair,
} from "@roomguard/testing";

const here = path.dirname(fileURLToPath(import.meta.url));
const ROUTER_MAIN = path.join(here, "..", "src", "main.js");
const LOAD = path.join(here, "curve-load.js");
const REPO = path.resolve(here, "..", "..", "..", "..");
const quick = process.argv.includes("--quick");
const BURST = quick ? 20_000 : 100_000;
const PACED = quick ? 500 : 2000;
const PER_SECOND = 500;
const ROUNDS = quick ? 1 : 3;

/** One mode's rounds as one run: the median rate and CPU, every latency, every loss. */
function combine(runs: Run[]): Run {
  const median = (values: number[]): number =>
    quantile(
      [...values].sort((a, b) => a - b),
      0.5,
    );
  return {
    rate: median(runs.map((run) => run.rate)),
    burstLost: runs.reduce((sum, run) => sum + run.burstLost, 0),
    cpuUsPerMessage: median(runs.map((run) => run.cpuUsPerMessage)),
    latencies: runs.flatMap((run) => run.latencies).sort((a, b) => a - b),
  };
}

interface Run {
  rate: number;
  burstLost: number;
  cpuUsPerMessage: number;
  latencies: number[];
}

type Mode = "ipc" | "loopback" | "curve";

/** Where the router listens in each mode: the installed Pi's ipc, the checkout's loopback, a LAN address with CURVE. */
function endpointsOf(mode: Mode, net: VethPair, dir: string): { in: string; out: string } {
  if (mode === "ipc") return { in: `ipc://${dir}/bus-in.sock`, out: `ipc://${dir}/bus-out.sock` };
  const host = mode === "loopback" ? "127.0.0.1" : net.a.address;
  return { in: `tcp://${host}:5556`, out: `tcp://${host}:5555` };
}

async function measure(net: VethPair, dir: string, keysDir: string, mode: Mode): Promise<Run> {
  const endpoints = endpointsOf(mode, net, dir);
  const config = path.join(dir, `${mode}.yaml`);
  writeFileSync(
    config,
    JSON.stringify({
      bus: { ...endpoints, keys: keysDir },
      // No journal: it costs the same on every transport; without it, the transport's share shows.
      router: { journal: { enabled: false } },
      log: { format: "json" },
    }),
  );
  const router = watchServiceOutput(
    net.a.spawn(process.execPath, [ROUTER_MAIN, "--config", config], { stdio: ["ignore", "pipe", "pipe"] }),
    "router",
  );
  try {
    await router.waitForLog((line) => line.msg === "listening", 20_000);
    const pid = router.child.pid ?? 0;
    const load = net.a.spawn(
      process.execPath,
      [
        LOAD,
        JSON.stringify({
          ...endpoints,
          ...(mode === "curve" ? { keys: hostClientKeys(keysDir) } : {}),
          burst: BURST,
          paced: PACED,
          perSecond: PER_SECOND,
        }),
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    // The router's CPU time at each phase the load announces: the burst's share is between the two.
    const cpuAt: Record<string, number> = {};
    let result: { burst: number; burstSeconds: number; paced: Array<number | null> } | undefined;
    let buffered = "";
    load.stdout?.on("data", (chunk: Buffer) => {
      buffered += chunk.toString();
      for (let end = buffered.indexOf("\n"); end >= 0; end = buffered.indexOf("\n")) {
        const line = JSON.parse(buffered.slice(0, end)) as { phase?: string } & typeof result;
        buffered = buffered.slice(end + 1);
        if (line?.phase !== undefined) cpuAt[line.phase] = processUsage(pid).cpuMs;
        else result = line;
      }
    });
    const code = await new Promise<number | null>((resolve) => load.on("exit", resolve));
    if (code !== 0 || !result || cpuAt.burst === undefined || cpuAt.paced === undefined)
      throw new Error(`the ${mode} load exited with ${String(code)}`);
    return {
      rate: result.burst / result.burstSeconds,
      burstLost: BURST - result.burst,
      cpuUsPerMessage: ((cpuAt.paced - cpuAt.burst) * 1000) / result.burst,
      latencies: result.paced.map((ms) => ms ?? Infinity).sort((a, b) => a - b),
    };
  } finally {
    await router.stop("SIGTERM");
  }
}

const dir = mkdtempSync(path.join(os.tmpdir(), "roomguard-curve-bench-"));
const net = vethPair();
try {
  const keysDir = path.join(dir, "keys");
  createKeyPair(keysDir, ROUTER_KEY);
  createKeyPair(keysDir, "host");
  // Rounds of the three modes in turn, so that what else the machine does falls on each alike;
  // each figure is the median round's, the latencies are every round's together.
  const rounds: Record<Mode, Run[]> = { ipc: [], loopback: [], curve: [] };
  for (let round = 0; round < ROUNDS; round++)
    for (const mode of ["ipc", "loopback", "curve"] as const) rounds[mode].push(await measure(net, dir, keysDir, mode));
  const runs = { ipc: combine(rounds.ipc), loopback: combine(rounds.loopback) };
  const curve = combine(rounds.curve);
  const plain = runs.loopback;
  const ms = (value: number): string => (Number.isFinite(value) ? `${formatNumber(value, 2)} ms` : "lost");
  const lost = (run: Run): number => run.latencies.filter((value) => !Number.isFinite(value)).length;
  /** One measure in the three modes, and CURVE's ratio to plain loopback where it means something. */
  const row = (measure: string, show: (run: Run) => string, ratio?: (run: Run) => number): BenchRow => ({
    measure: `${measure}: ipc / loopback / CURVE`,
    value: `${show(runs.ipc)} / ${show(plain)} / ${show(curve)}${ratio ? ` (CURVE ×${formatNumber(ratio(curve) / ratio(plain), 2)})` : ""}`,
    target: "",
    ok: null,
  });
  const rows: BenchRow[] = [
    row(
      `burst of ${formatNumber(BURST)} × 24 B, msgs/s`,
      (run) => formatNumber(run.rate),
      (run) => run.rate,
    ),
    row("burst messages lost (publisher's queue)", (run) => formatNumber(run.burstLost)),
    row(
      "router CPU per message, µs",
      (run) => formatNumber(run.cpuUsPerMessage, 2),
      (run) => run.cpuUsPerMessage,
    ),
    row(`latency at ${PER_SECOND}/s, p50`, (run) => ms(quantile(run.latencies, 0.5))),
    row(`latency at ${PER_SECOND}/s, p99`, (run) => ms(quantile(run.latencies, 0.99))),
    {
      measure: `paced messages lost, of ${formatNumber(PACED * ROUNDS)} in each mode`,
      value: `${lost(runs.ipc)} / ${lost(plain)} / ${lost(curve)}`,
      target: "none",
      ok: lost(runs.ipc) + lost(plain) + lost(curve) === 0,
    },
  ];
  publishBenchReport(REPO, "curve", {
    title: "CURVE: what encryption costs the router",
    script: "packages/router/dist/bench/curve-bench.js",
    quick,
    rows,
    notes: [
      `A router process (\`packages/router/dist/src/main.js\`, journal off: it costs the same on every transport; without it, the transport's share shows) and one load process (zeromq.js: a publisher and a subscriber to \`KEY: \`) in a network namespace the benchmark makes: on ipc sockets (the installed Pi's bus), plain on 127.0.0.1 (a checkout's), then CURVE on the namespace's veth address 10.99.0.1 (a LAN endpoint for the config, routed locally like loopback), keys from \`roomguard keys\`' files. ${ROUNDS} rounds of the three modes in turn; rates and CPU are the median round's, latencies every round's together. The burst goes as fast as the publisher sends; its rate counts from the first send to the last arrival. The paced run sends ${formatNumber(PACED)} messages at ${PER_SECOND}/s, each carrying its \`performance.now()\`; the same process receives it, so one-way latency needs no clock sync. A paced message that never arrived counts as lost (Infinity), never left out. Router CPU is user + system time from /proc/<pid>/stat from just before the burst to 2 s after it (idle heartbeats included), per burst message forwarded.`,
      "On the installed Pi the local bus is ipc with group permissions, not loopback CURVE: these figures are what a remote Pi or laptop costs the router (docs/security.md).",
    ],
  });
} finally {
  net.close();
  rmSync(dir, { recursive: true, force: true });
}

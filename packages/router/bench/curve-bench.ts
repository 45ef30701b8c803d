// The CURVE benchmark (`pnpm bench`): what encryption costs the router. The same router, load
// and network namespace twice: plain on 127.0.0.1, then CURVE on the namespace's veth address
// (10.99.0.1, routed locally like loopback), so only the encryption differs. Root only.
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

interface Run {
  rate: number;
  burstLost: number;
  cpuUsPerMessage: number;
  latencies: number[];
}

async function measure(net: VethPair, dir: string, keysDir: string, mode: "plain" | "curve"): Promise<Run> {
  const host = mode === "plain" ? "127.0.0.1" : net.a.address;
  const endpoints = { in: `tcp://${host}:5556`, out: `tcp://${host}:5555` };
  const config = path.join(dir, `${mode}.yaml`);
  writeFileSync(
    config,
    JSON.stringify({
      bus: { ...endpoints, keys: keysDir },
      router: { journal: { dir: path.join(dir, `journal-${mode}`) } },
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
  const plain = await measure(net, dir, keysDir, "plain");
  const curve = await measure(net, dir, keysDir, "curve");
  const ms = (value: number): string => (Number.isFinite(value) ? `${formatNumber(value, 2)} ms` : "lost");
  const lost = (run: Run): number => run.latencies.filter((value) => !Number.isFinite(value)).length;
  const rows: BenchRow[] = [
    {
      measure: `burst of ${formatNumber(BURST)} × 24 B, plain → CURVE`,
      value: `${formatNumber(plain.rate)} → ${formatNumber(curve.rate)} msgs/s (×${formatNumber(curve.rate / plain.rate, 2)})`,
      target: "",
      ok: null,
    },
    {
      measure: "burst messages lost (publisher's queue, plain / CURVE)",
      value: `${formatNumber(plain.burstLost)} / ${formatNumber(curve.burstLost)}`,
      target: "",
      ok: null,
    },
    {
      measure: "router CPU per message, plain → CURVE",
      value: `${formatNumber(plain.cpuUsPerMessage, 2)} → ${formatNumber(curve.cpuUsPerMessage, 2)} µs (×${formatNumber(curve.cpuUsPerMessage / plain.cpuUsPerMessage, 2)})`,
      target: "",
      ok: null,
    },
    {
      measure: `latency at ${PER_SECOND}/s, p50 plain → CURVE`,
      value: `${ms(quantile(plain.latencies, 0.5))} → ${ms(quantile(curve.latencies, 0.5))}`,
      target: "",
      ok: null,
    },
    {
      measure: `latency at ${PER_SECOND}/s, p99 plain → CURVE`,
      value: `${ms(quantile(plain.latencies, 0.99))} → ${ms(quantile(curve.latencies, 0.99))}`,
      target: "",
      ok: null,
    },
    {
      measure: `paced messages lost, plain / CURVE (of ${formatNumber(PACED)} each)`,
      value: `${lost(plain)} / ${lost(curve)}`,
      target: "none",
      ok: lost(plain) + lost(curve) === 0,
    },
  ];
  publishBenchReport(REPO, "curve", {
    title: "CURVE: what encryption costs the router",
    script: "packages/router/dist/bench/curve-bench.js",
    quick,
    rows,
    notes: [
      `A router process (\`packages/router/dist/src/main.js\`, journal on) and one load process (zeromq.js: a publisher and a subscriber to \`KEY: \`) in a network namespace the benchmark makes: first plain on 127.0.0.1, then CURVE on the namespace's veth address 10.99.0.1 (a LAN endpoint for the config, routed locally like loopback), keys from \`roomguard keys\`' files. The burst goes as fast as the publisher sends; its rate counts from the first send to the last arrival. The paced run sends ${formatNumber(PACED)} messages at ${PER_SECOND}/s, each carrying its \`performance.now()\`; the same process receives it, so one-way latency needs no clock sync. A paced message that never arrived counts as lost (Infinity), never left out. Router CPU is user + system time from /proc/<pid>/stat from just before the burst to 2 s after it (idle heartbeats included), per burst message forwarded; it includes the journal's writing, which does not change with CURVE.`,
      "On the installed Pi the local bus is ipc with group permissions, not loopback CURVE: these figures are what a remote Pi or laptop costs the router (docs/security.md).",
    ],
  });
} finally {
  net.close();
  rmSync(dir, { recursive: true, force: true });
}

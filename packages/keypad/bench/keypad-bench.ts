// The keypad's benchmark: edge → KEY: latency (sim backend and onoff over the FUSE fake of
// sysfs), and matrix scanning at 100 Hz (CPU and RSS of a keypad process). Prints a table and
// writes it to docs/performance.md. Runs inside a private mount namespace (for the fake).
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { BusClient } from "@roomguard/bus";
import { createOnoffHal, type Hal } from "@roomguard/hal";
import { CHIP_LAYOUTS, mountFakeGpio, runInPrivateMountNamespace, type FakeGpio } from "@roomguard/hal/fake-sysfs";
import { createSimHal } from "@roomguard/hal/sim";
import { createLogger } from "@roomguard/runtime";
import {
  type BenchRow,
  formatNumber,
  processUsage,
  publishBenchReport,
  quantile,
  routerMain,
  type ServiceProcess,
  startServiceProcess,
  waitUntil,
} from "@roomguard/testing";
import { validateConfig } from "@roomguard/config";
import { createKeypadService } from "../src/service.js";

runInPrivateMountNamespace();

const REPO = fileURLToPath(new URL("../../../../", import.meta.url));
const ROUTER_MAIN = routerMain();
const KEYPAD_MAIN = fileURLToPath(new URL("../src/main.js", import.meta.url));
const DEBOUNCE_MS = 20;
const LEFT = 5;
const log = (text: string): void => void process.stderr.write(`${text}\n`);
const quiet = createLogger({ service: "bench", level: "error", format: "json", stream: { write: () => true } });
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function defaults(): ReturnType<typeof validateConfig> & { ok: true } {
  const result = validateConfig({});
  if (!result.ok) throw new Error("the default config is invalid");
  return result;
}

/** Latencies of the presses in ascending order, a lost press as Infinity (it is a miss, not a gap in the sample). */
interface PressLatencies {
  sorted: number[];
  lost: number;
}

/**
 * Presses LEFT `presses` times through `press`/`release` (the edge) and times each until
 * `KEY: LEFT` arrives at a subscriber on the bus, minus the debounce window. A press with no
 * `KEY: LEFT` within a second is lost.
 */
async function edgeToKey(
  endpoints: { in: string; out: string },
  hal: Hal,
  edge: { press(): void; release(): void },
  presses: number,
): Promise<PressLatencies> {
  const config = defaults().config;
  const publisher = new BusClient(endpoints);
  const subscriber = new BusClient(endpoints);
  const keys = subscriber.subscribe("KEY: LEFT");
  await Promise.all([publisher.waitForRouter(), subscriber.waitForRouter()]);
  await waitUntil(() => publisher.wants("KEY: LEFT"), { what: "the subscription to KEY: LEFT at the router", intervalMs: 5 });
  const keypad = createKeypadService({
    keypad: { ...config.keypad, debounceMs: DEBOUNCE_MS },
    hal,
    publish: (text) => publisher.publish(text),
    log: quiet,
  });
  keypad.start();
  const latencies: number[] = [];
  let lost = 0;
  for (let i = 0; i < presses; i++) {
    // A lost press's key that came late must not be taken for the next press's.
    while ((await keys.nextWithin(0)) !== undefined);
    const start = performance.now();
    edge.press();
    const key = await keys.nextWithin(1000);
    if (key) latencies.push(performance.now() - start - DEBOUNCE_MS);
    else {
      latencies.push(Infinity);
      lost += 1;
    }
    edge.release();
    await sleep(DEBOUNCE_MS + 10); // let the release settle before the next press
  }
  keypad.stop();
  hal.close();
  await Promise.all([publisher.close(), subscriber.close()]);
  if (lost > 0) log(`  ${lost} presses got no KEY: within 1 s`);
  return { sorted: latencies.sort((a, b) => a - b), lost };
}

/** A keypad process scanning the default 4x4 matrix at 100 Hz: CPU % of one core and RSS. */
async function matrixScanning(
  endpoints: { in: string; out: string },
  backend: "sim" | "onoff",
  seconds: number,
  holdKey = false,
): Promise<{ cpuPercent: number; rssMb: number }> {
  const keypad: ServiceProcess = startServiceProcess({
    name: "keypad",
    main: KEYPAD_MAIN,
    config: { bus: endpoints, hardware: { backend }, keypad: { mode: "matrix", matrix: { scanIntervalMs: 10 } }, log: { format: "json" } },
  });
  try {
    await keypad.waitForLog((line) => line.msg === "keypad ready", 10_000);
    await sleep(2000); // past start-up
    if (holdKey) await holdOnSim(endpoints, "5", (seconds + 2) * 1000);
    const pid = keypad.child.pid ?? 0;
    const before = processUsage(pid);
    const startedAt = performance.now();
    await sleep(seconds * 1000);
    const after = processUsage(pid);
    return { cpuPercent: ((after.cpuMs - before.cpuMs) / (performance.now() - startedAt)) * 100, rssMb: after.rssBytes / 2 ** 20 };
  } finally {
    await keypad.stop();
  }
}

/** Holds a key of the simulated matrix down (so every scan reads row by row). */
async function holdOnSim(endpoints: { in: string; out: string }, key: string, ms: number): Promise<void> {
  const client = new BusClient(endpoints);
  await client.waitForRouter();
  await waitUntil(() => client.wants("SIM: press"), { what: "the keypad's subscription to SIM: press", intervalMs: 5 });
  await client.publish(`SIM: press ${key} ${ms}`);
  await client.close();
}

function latencyRow(name: string, { sorted, lost }: PressLatencies): BenchRow {
  const p99 = quantile(sorted, 0.99);
  const ms = (value: number): string => (value === Infinity ? "lost" : formatNumber(value, 2));
  return {
    measure: `edge → KEY: on the bus, ${name}, ${formatNumber(sorted.length)} presses: p50 / p99 / max (debounce excluded)`,
    value: `${ms(quantile(sorted, 0.5))} / ${ms(p99)} / ${ms(sorted.at(-1) ?? NaN)} ms${lost > 0 ? `; ${lost} lost` : ""}`,
    target: "p99 ≤ 5 ms, none lost",
    ok: p99 <= 5 && lost === 0,
  };
}

async function main(): Promise<void> {
  const quick = process.argv.includes("--quick");
  const presses = quick ? 200 : 1000;
  const scanSeconds = quick ? 5 : 20;
  const dir = mkdtempSync(path.join(os.tmpdir(), "roomguard-keypad-bench-"));
  const endpoints = { in: `ipc://${dir}/in.sock`, out: `ipc://${dir}/out.sock` };
  const router = startServiceProcess({
    name: "router",
    main: ROUTER_MAIN,
    dir,
    config: { bus: endpoints, router: { journal: { enabled: false } }, log: { format: "json" } },
  });
  let fake: FakeGpio | undefined;
  try {
    await router.waitForLog((line) => line.msg === "listening");

    log(`edge → KEY, sim backend, ${presses} presses`);
    const sim = createSimHal();
    const simLatency = await edgeToKey(
      endpoints,
      sim,
      { press: () => sim.gpio.drive(LEFT, 0), release: () => sim.gpio.release(LEFT) },
      presses,
    );

    fake = await mountFakeGpio({ chips: CHIP_LAYOUTS.pi4 });
    const line = 512 + LEFT;
    log(`edge → KEY, onoff over the FUSE fake of sysfs, ${presses} presses`);
    const onoff = createOnoffHal();
    const mounted = fake;
    const onoffLatency = await edgeToKey(
      endpoints,
      onoff,
      { press: () => mounted.setLine(line, 0), release: () => mounted.setLine(line, 1) },
      presses,
    );

    log(`matrix scanning at 100 Hz, ${scanSeconds} s each on sim and onoff`);
    const simScan = await matrixScanning(endpoints, "sim", scanSeconds);
    const simHeldScan = await matrixScanning(endpoints, "sim", scanSeconds, true);
    const onoffScan = await matrixScanning(endpoints, "onoff", scanSeconds);

    const rows: BenchRow[] = [
      latencyRow("sim backend", simLatency),
      latencyRow("onoff over FUSE sysfs (epoll, onoff's debounce)", onoffLatency),
      ...[
        { name: "sim, no key down", scan: simScan },
        { name: "sim, a key held (row-by-row scans)", scan: simHeldScan },
        { name: "onoff over FUSE sysfs, no key down", scan: onoffScan },
      ].map(({ name, scan }) => ({
        measure: `4x4 matrix scanned at 100 Hz, ${name}: CPU of one core, RSS of the keypad process`,
        value: `${formatNumber(scan.cpuPercent, 2)} %, ${formatNumber(scan.rssMb, 1)} MB`,
        target: "CPU ≤ 3 %",
        ok: scan.cpuPercent <= 3,
      })),
    ];
    publishBenchReport(REPO, "keypad", {
      title: "Keypad",
      script: "packages/keypad/dist/bench/keypad-bench.js",
      quick,
      rows,
      notes: [
        `Latency is from the edge (the simulated pin changing; a write to the fake sysfs \`.line\` file) to \`KEY: LEFT\` at a`,
        `subscriber through a real router, minus the ${DEBOUNCE_MS} ms debounce window; the keypad runs in the benchmark's process.`,
        "Matrix scanning runs the keypad process with `keypad.mode: matrix`; its CPU time is read from /proc. With no key down",
        "all rows are held low and a scan is one read per column; with a key down every scan switches each row. On a Pi,",
        "`auto` scans with rpio (register reads, no system calls), which this machine cannot run; onoff pays a sysfs system call",
        "per pin read and per row switch, here through FUSE.",
      ],
    });
  } finally {
    await fake?.unmount();
    await router.stop();
  }
}

await main();

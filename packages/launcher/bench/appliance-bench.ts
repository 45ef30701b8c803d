// The whole appliance's benchmark: cold start (launcher spawned → `status` shows a heartbeat from
// every service, as a user sees it), then 60 s idle on simulated hardware with the default heartbeat interval: what the
// appliance costs in memory (the PSS of its processes, mpd included, and the drop of the machine's
// MemAvailable), RSS beside it, CPU % of one core. Prints a table and writes docs/performance.md.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { findProcesses, memAvailableBytes, memoryOf, readCommandLine } from "@roomguard/runtime";
import { type BenchRow, formatNumber, freePort, makeTracks, processUsage, publishBenchReport, waitUntil } from "@roomguard/testing";
import { ctl, scratchDir, startLauncher } from "../test/appliance.js";

const REPO = fileURLToPath(new URL("../../../../", import.meta.url));
const SERVICES = ["router", "alarm", "keypad", "sensors", "music-player"] as const;
const log = (text: string): void => void process.stderr.write(`${text}\n`);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const MiB = 2 ** 20;
/** The Raspberry Pi Zero 2 W, the smallest Pi roomguard runs on (64-bit): 512 MB of RAM, shared with the GPU. */
const PI_ZERO_2_W_BYTES = 512 * MiB;

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
};

/** MemAvailable sampled `count` times, `everyMs` apart: the median. */
async function sampledMemAvailable(count: number, everyMs: number): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    if (i > 0) await sleep(everyMs);
    samples.push(memAvailableBytes());
  }
  return median(samples);
}

const share = (bytes: number): string => `${formatNumber((bytes / PI_ZERO_2_W_BYTES) * 100)} % of a Pi Zero 2 W's 512 MB`;

async function config(dir: string): Promise<Record<string, unknown>> {
  makeTracks(path.join(dir, "music"), [{ file: "1.mp3", title: "One", seconds: 5 }]);
  return {
    bus: { in: `ipc://${dir}/in.sock`, out: `ipc://${dir}/out.sock` }, // the default 5 s heartbeats
    hardware: { backend: "sim" },
    sensors: [
      // roomguard.yaml's: the reference build's door, PIR and BME280
      { id: "front", kind: "door", pin: 25 },
      { id: "hall", kind: "pir", pin: 24, holdS: 30 },
      { id: "climate", kind: "bme280", i2cAddress: 0x76, intervalS: 30 },
    ],
    music: { mpd: { spawn: true, port: await freePort(), musicDir: `${dir}/music`, stateDir: `${dir}/mpd` } },
    // roomguard.yaml's zones (no user: none is needed to sit armed or disarmed)
    alarm: {
      requests: `ipc://${dir}/alarm.sock`,
      stateDir: `${dir}/alarm`,
      zones: [
        { sensor: "front", type: "entry" },
        { sensor: "front", name: "front-chime", type: "chime" },
        { sensor: "hall", type: "follower", modes: ["away"] },
      ],
      siren: { pin: 17 },
      buzzer: { pin: 18 },
    },
    launcher: { control: `ipc://${dir}/ctl.sock`, stateDir: `${dir}/launcher` },
    router: { journal: { dir: `${dir}/journal` } },
    log: { level: "info", format: "json" },
  };
}

/**
 * The pids of the services once the launcher's `status` shows a heartbeat from each (what a user
 * sees; a bench subscriber of its own could miss a first beat that the launcher got), else undefined.
 */
function everyServiceBeating(table: string): Map<string, number> | undefined {
  const [header = "", ...lines] = table.split("\n");
  const column = (title: string): number => header.search(new RegExp(`\\b${title}\\b`));
  const cell = (line: string, title: string, next: string): string => line.slice(column(title), column(next)).trim();
  const pids = new Map<string, number>();
  for (const line of lines) {
    const service = cell(line, "service", "state");
    if (SERVICES.includes(service as (typeof SERVICES)[number]) && cell(line, "heartbeat", "restarts").endsWith("ago")) {
      pids.set(service, Number(cell(line, "pid", "uptime")));
    }
  }
  return pids.size === SERVICES.length ? pids : undefined;
}

/** One appliance: started, measured by `measure`, stopped with `quit`; nothing left behind. */
async function withAppliance<T>(measure: (dir: string, coldStartMs: number, pids: Map<string, number>) => Promise<T>): Promise<T> {
  const dir = scratchDir();
  const settings = await config(dir);
  const startedAt = performance.now();
  const launcher = startLauncher(dir, settings);
  try {
    const pids = await waitUntil(async () => everyServiceBeating(await ctl(dir, "status")), {
      what: "a heartbeat of every service in the launcher's status",
      timeoutMs: 30_000,
    });
    const coldStartMs = performance.now() - startedAt;
    const launcherPid = launcher.child.pid;
    if (launcherPid !== undefined) pids.set("launcher", launcherPid);
    return await measure(dir, coldStartMs, pids);
  } finally {
    await ctl(dir, "quit").catch(() => undefined);
    const code = await Promise.race([launcher.exited, sleep(40_000).then(() => "timeout")]);
    if (code !== 0) log(`launcher ended with ${String(code)}`);
    for (const pid of findProcesses(dir)) process.kill(pid, "SIGKILL");
  }
}

/**
 * How much the machine's MemAvailable drops while the appliance runs: the median of samples while
 * it runs, against the mean of the medians before it started and after it stopped (which cancels
 * a steady drift of everything else on the machine).
 */
function dropOf(before: number, during: number, after: number): number {
  return (before + after) / 2 - during;
}

async function main(): Promise<void> {
  const quick = process.argv.includes("--quick");
  const idleS = quick ? 15 : 60;
  const starts: number[] = [];
  const drops: number[] = [];
  for (let run = 1; run <= 3; run++) {
    await sleep(2000); // the last run's processes are gone and their memory given back
    const before = await sampledMemAvailable(10, 200);
    let during = NaN;
    const ms = await withAppliance(async (_dir, coldStartMs) => {
      await sleep(5000); // past start-up
      during = await sampledMemAvailable(10, 200);
      return coldStartMs;
    });
    await sleep(2000);
    const drop = dropOf(before, during, await sampledMemAvailable(10, 200));
    log(`cold start ${run}: ${formatNumber(ms)} ms; MemAvailable dropped ${formatNumber(drop / MiB, 1)} MB`);
    starts.push(ms);
    drops.push(drop);
  }
  starts.sort((a, b) => a - b);

  await sleep(2000);
  const availableBefore = await sampledMemAvailable(10, 200);
  let availableIdle = NaN;
  const idle = await withAppliance(async (dir, _ms, pids) => {
    const mpdPid = findProcesses(dir).find((pid) => readCommandLine(pid)?.[0]?.startsWith("mpd"));
    const all = new Map(pids);
    if (mpdPid !== undefined) all.set("mpd (private)", mpdPid);
    await sleep(5000); // past start-up
    const before = new Map([...all].map(([name, pid]) => [name, processUsage(pid)]));
    const startedAt = performance.now();
    log(`idle for ${idleS} s`);
    const available: number[] = [];
    while (performance.now() - startedAt < idleS * 1000) {
      available.push(memAvailableBytes());
      await sleep(1000);
    }
    availableIdle = median(available);
    const elapsedMs = performance.now() - startedAt;
    return [...all].map(([name, pid]) => {
      const after = processUsage(pid);
      const memory = memoryOf(pid);
      if (memory?.pssBytes == null) throw new Error(`cannot read the PSS of ${name} (pid ${pid}): ${memory?.pssProblem ?? "it is gone"}`);
      return {
        name,
        cpu: ((after.cpuMs - (before.get(name)?.cpuMs ?? 0)) / elapsedMs) * 100,
        pssMb: memory.pssBytes / MiB,
        anonMb: (memory.pssAnonBytes ?? NaN) / MiB,
        rssMb: (memory.rssBytes ?? NaN) / MiB,
      };
    });
  });
  await sleep(2000);
  const idleDrop = dropOf(availableBefore, availableIdle, await sampledMemAvailable(10, 200));
  log(`idle run: MemAvailable dropped ${formatNumber(idleDrop / MiB, 1)} MB`);
  drops.push(idleDrop);
  drops.sort((a, b) => a - b);

  const ours = idle.filter((row) => row.name !== "mpd (private)");
  const sum = (key: "pssMb" | "anonMb" | "rssMb", rows = idle): number => rows.reduce((total, row) => total + row[key], 0);
  const totalPss = sum("pssMb");
  const drop = median(drops) / MiB;
  const totalCpu = ours.reduce((total, row) => total + row.cpu, 0);
  const coldStart = starts[1] ?? NaN;
  const rows: BenchRow[] = [
    {
      measure: "the whole appliance's memory: PSS of its processes, mpd included",
      value: `${formatNumber(totalPss, 1)} MB, ${share(totalPss * MiB)}`,
      target: "≤ 170 MB (a third)",
      ok: totalPss <= 170,
    },
    {
      measure: "the machine's MemAvailable drop while the appliance runs (median of 4 starts; range)",
      value: `${formatNumber(drop, 1)} MB, ${share(drop * MiB)} (${formatNumber((drops[0] ?? NaN) / MiB, 1)}–${formatNumber((drops.at(-1) ?? NaN) / MiB, 1)} MB)`,
      target: "≤ 170 MB (a third)",
      ok: drop <= 170,
    },
    {
      measure: "of the PSS, anonymous memory (heap, stacks; the rest is program files the kernel can reread)",
      value: `${formatNumber(sum("anonMb"), 1)} MB: Node services ${formatNumber(sum("anonMb", ours), 1)} MB, mpd ${formatNumber(sum("anonMb") - sum("anonMb", ours), 1)} MB`,
      target: "",
      ok: null,
    },
    ...idle.map((row) => ({
      measure: `${row.name}: PSS (anonymous; RSS), CPU idle`,
      value: `${formatNumber(row.pssMb, 1)} MB (${formatNumber(row.anonMb, 1)}; ${formatNumber(row.rssMb, 1)} MB), ${formatNumber(row.cpu, 2)} %`,
      target: "",
      ok: null,
    })),
    {
      measure: "for comparison: the RSS of the same processes added up (shared pages counted in each)",
      value: `${formatNumber(sum("rssMb"), 1)} MB`,
      target: "",
      ok: null,
    },
    {
      measure: `total CPU idle over ${idleS} s (of one core), mpd not included`,
      value: `${formatNumber(totalCpu, 2)} %`,
      target: "≤ 2 %",
      ok: totalCpu <= 2,
    },
    {
      measure: "cold start → status shows every service's heartbeat, median of 3 (max)",
      value: `${formatNumber(coldStart / 1000, 2)} s (${formatNumber((starts[2] ?? NaN) / 1000, 2)} s)`,
      target: "≤ 3 s",
      ok: coldStart <= 3000,
    },
  ];
  publishBenchReport(REPO, "appliance", {
    title: "The whole appliance",
    script: "packages/launcher/dist/bench/appliance-bench.js",
    quick,
    rows,
    notes: [
      `The appliance costs ${formatNumber(totalPss)} MB of memory (PSS, mpd included), ${share(totalPss * MiB)}; while it runs`,
      `the machine has ${formatNumber(drop)} MB less available. The second is smaller because most of the PSS is program and library`,
      "files (the node binary above all), which count as available: the kernel can drop those pages and read them again, at the",
      `cost of slowness when memory runs short. The RSS of the same processes adds up to ${formatNumber(sum("rssMb"))} MB because each Node`,
      "process counts the whole node binary and the libraries it shares with the others.",
      "",
      "`roomguard start`'s launcher runs the router, the keypad (five buttons), the sensor reader (a door switch, a PIR and a BME280) and the",
      "music player with its private mpd (null output, nothing playing) on simulated hardware, with the default 5 s",
      "heartbeats and the router's journal on. Cold start is from spawning the launcher until its `status` shows a heartbeat",
      "from every service, three times. PSS and its anonymous part (from",
      `/proc/<pid>/smaps_rollup, the reader \`roomguard status\` uses) and RSS are read at the end of ${idleS} s idle, CPU time`,
      "from /proc/<pid>/stat. The MemAvailable drop (/proc/meminfo) is measured on each of the three cold starts (5 s after",
      `the last heartbeat) and over the ${idleS} s idle: samples while the appliance runs against the mean of samples before it`,
      "started and after it stopped. Everything else on the machine moves MemAvailable too, hence the range. On a Pi Zero 2 W",
      "the GPU and the kernel take part of the 512 MB before roomguard starts; this machine is x86-64, and these figures have",
      "not been measured on a Pi.",
    ],
  });
}

await main();

// The whole appliance's benchmark: cold start (launcher spawned → every service's first heartbeat
// on the bus), then 60 s idle on simulated hardware with the default heartbeat interval: RSS of
// each process and in total, CPU % of one core. Prints a table and writes docs/performance.md.
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type BenchRow, formatNumber, processUsage, publishBenchReport } from "@roomguard/runtime/testing";
import { busClient, ctl, heartbeatPids, processesUsing, scratchDir, startLauncher } from "../test/appliance.js";
import { freePort, makeTracks } from "@roomguard/music-player/testing";

const REPO = fileURLToPath(new URL("../../../../", import.meta.url));
const SERVICES = ["router", "keypad", "sensors", "music-player"] as const;
const log = (text: string): void => void process.stderr.write(`${text}\n`);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function config(dir: string): Promise<Record<string, unknown>> {
  makeTracks(path.join(dir, "music"), [{ file: "1.mp3", title: "One", seconds: 5 }]);
  return {
    bus: { in: `ipc://${dir}/in.sock`, out: `ipc://${dir}/out.sock` }, // the default 5 s heartbeats
    hardware: { backend: "sim" },
    sensors: [{ id: "front", kind: "door", pin: 25 }],
    music: { mpd: { spawn: true, port: await freePort(), musicDir: `${dir}/music`, stateDir: `${dir}/mpd` } },
    launcher: { control: `ipc://${dir}/ctl.sock`, stateDir: `${dir}/launcher` },
    router: { journal: { dir: `${dir}/journal` } },
    log: { level: "info", format: "json" },
  };
}

/** One appliance: started, measured by `measure`, stopped with `quit`; nothing left behind. */
async function withAppliance<T>(measure: (dir: string, coldStartMs: number, pids: Map<string, number>) => Promise<T>): Promise<T> {
  const dir = scratchDir();
  const settings = await config(dir);
  const bus = busClient(dir);
  const beats = bus.subscribe("HEARTBEAT: ");
  const startedAt = performance.now();
  const launcher = startLauncher(dir, settings);
  try {
    const pids = await heartbeatPids(beats, [...SERVICES, "launcher"], 30_000);
    const coldStartMs = performance.now() - startedAt;
    beats.close();
    return await measure(dir, coldStartMs, pids);
  } finally {
    await ctl(dir, "quit").catch(() => undefined);
    const code = await Promise.race([launcher.exited, sleep(40_000).then(() => "timeout")]);
    if (code !== 0) log(`launcher ended with ${String(code)}`);
    for (const pid of processesUsing(dir)) process.kill(pid, "SIGKILL");
    await bus.close();
  }
}

async function main(): Promise<void> {
  const quick = process.argv.includes("--quick");
  const idleS = quick ? 15 : 60;
  const starts: number[] = [];
  for (let run = 1; run <= 3; run++) {
    const ms = await withAppliance((_dir, coldStartMs) => Promise.resolve(coldStartMs));
    log(`cold start ${run}: ${formatNumber(ms)} ms`);
    starts.push(ms);
  }
  starts.sort((a, b) => a - b);

  const idle = await withAppliance(async (dir, _ms, pids) => {
    const mpdPid = processesUsing(dir).find((pid) => readFileSync(`/proc/${pid}/cmdline`, "utf8").startsWith("mpd"));
    const all = new Map(pids);
    if (mpdPid !== undefined) all.set("mpd (private)", mpdPid);
    await sleep(5000); // past start-up
    const before = new Map([...all].map(([name, pid]) => [name, processUsage(pid)]));
    const startedAt = performance.now();
    log(`idle for ${idleS} s`);
    await sleep(idleS * 1000);
    const elapsedMs = performance.now() - startedAt;
    return [...all].map(([name, pid]) => {
      const after = processUsage(pid);
      return { name, cpu: ((after.cpuMs - (before.get(name)?.cpuMs ?? 0)) / elapsedMs) * 100, rssMb: after.rssBytes / 2 ** 20 };
    });
  });

  const ours = idle.filter((row) => row.name !== "mpd (private)");
  const totalRss = ours.reduce((sum, row) => sum + row.rssMb, 0);
  const totalCpu = ours.reduce((sum, row) => sum + row.cpu, 0);
  const median = starts[1] ?? NaN;
  const rows: BenchRow[] = [
    ...idle.map((row) => ({
      measure: `${row.name}: RSS, CPU idle`,
      value: `${formatNumber(row.rssMb, 1)} MB, ${formatNumber(row.cpu, 2)} %`,
      target: "",
      ok: null,
    })),
    {
      measure: "total RSS: launcher + router + keypad + sensors + music player",
      value: `${formatNumber(totalRss, 1)} MB`,
      target: "≤ 320 MB",
      ok: totalRss <= 320,
    },
    {
      measure: `total CPU idle over ${idleS} s (of one core)`,
      value: `${formatNumber(totalCpu, 2)} %`,
      target: "≤ 2 %",
      ok: totalCpu <= 2,
    },
    {
      measure: "cold start → every heartbeat seen, median of 3 (max)",
      value: `${formatNumber(median / 1000, 2)} s (${formatNumber((starts[2] ?? NaN) / 1000, 2)} s)`,
      target: "≤ 3 s",
      ok: median <= 3000,
    },
  ];
  publishBenchReport(REPO, "appliance", {
    title: "The whole appliance",
    script: "packages/launcher/dist/bench/appliance-bench.js",
    quick,
    rows,
    notes: [
      "`roomguard start`'s launcher runs the router, the keypad (five buttons), the sensor reader (a door switch) and the",
      "music player with its private mpd (null output, nothing playing) on simulated hardware, with the default 5 s",
      "heartbeats and the router's journal on. Cold start is from spawning the launcher to the first heartbeat of every",
      "service and of the launcher at a bus subscriber, three times. CPU time and RSS are read from /proc; mpd is shown",
      "but not counted (it is MPD's, and a Pi running MPD anyway has it).",
    ],
  });
}

await main();

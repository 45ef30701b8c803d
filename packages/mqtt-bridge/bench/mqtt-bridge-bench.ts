// The MQTT bridge's benchmark (issue 16): a bus carrying 1,000 sensor readings/s, every one
// mirrored to MQTT; an alarm change on the bus → `<base>/alarm/state` at an MQTT subscriber
// (p50/p99/max, lost); the bridge's, Mosquitto's and the router's CPU, and the bridge's and
// Mosquitto's memory; the rates a subscriber sees on the mirror and on the sensors' state topics.
// Prints a table, writes docs/performance.md.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { connectAsync, type MqttClient } from "mqtt";
import { BusClient } from "@roomguard/bus";
import { memoryOf, type ProcessMemory } from "@roomguard/runtime";
import {
  ARMED_AWAY,
  BusLoad,
  type BenchRow,
  formatNumber,
  processUsage,
  publishBenchReport,
  quantile,
  routerMain,
  startServiceProcess,
  startTestMosquitto,
  waitUntil,
  type ServiceProcess,
  type TestMosquitto,
} from "@roomguard/testing";

const REPO = fileURLToPath(new URL("../../../../", import.meta.url));
const BRIDGE_MAIN = fileURLToPath(new URL("../src/main.js", import.meta.url));
const BASE = "bench";
const READINGS_PER_S = 1000;
const SENSOR_IDS = ["living", "bedroom", "kitchen", "hall-climate"];
const CHANGE_EVERY_MS = 100;
const LOST_AFTER_MS = 1000;
const WARMUP_MS = 2000;
const TARGET_P99_MS = 20;
/** The two states the changes alternate between: the bridge publishes `<base>/alarm/state` only when the state's name changes. */
const STATES = ["armed_away", "disarmed"] as const;
/** `ALARM: <state> {…}` as the alarm publishes it (docs/protocol.md); `changed_by` is set per change. */
const ALARM_PAYLOAD = { ...ARMED_AWAY, changed_by: "bench-0" };
const log = (text: string): void => void process.stderr.write(`${text}\n`);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
/** Change n's state: odd armed_away, even disarmed (n = 0, before the window, is disarmed). */
const stateOf = (n: number): (typeof STATES)[number] => STATES[(n + 1) % 2] ?? "disarmed";

/** An MQTT client of the benchmark's own, connected and subscribed; `on` sees each message with its arrival time. */
async function subscriber(
  url: string,
  name: string,
  filters: string[],
  qos: 0 | 1,
  on: (topic: string, payload: string, at: number) => void,
) {
  const client = await connectAsync(url, { reconnectPeriod: 0, clientId: `bench-${name}-${process.pid}` });
  client.on("message", (topic, payload) => on(topic, payload.toString(), performance.now()));
  await client.subscribeAsync(filters, { qos });
  return client;
}

async function main(): Promise<void> {
  const quick = process.argv.includes("--quick");
  const windowMs = quick ? 5000 : 20_000;
  const dir = mkdtempSync(path.join(os.tmpdir(), "roomguard-mqtt-bridge-bench-"));
  const endpoints = { in: `ipc://${dir}/in.sock`, out: `ipc://${dir}/out.sock` };
  const processes: ServiceProcess[] = [];
  const buses: BusClient[] = [];
  const clients: MqttClient[] = [];
  let mosquitto: TestMosquitto | undefined;
  try {
    const router = startServiceProcess({
      name: "router",
      main: routerMain(),
      dir,
      config: { bus: endpoints, log: { format: "json" } },
    });
    processes.push(router);
    await router.waitForLog((line) => line.msg === "listening");
    mosquitto = await startTestMosquitto();

    // Arrivals on `<base>/alarm/state`, in order; the mirror's and the sensors' state topics counted.
    const stateArrivals: { state: string; at: number }[] = [];
    const counts = { mirrored: 0, sensorStates: 0 };
    clients.push(
      await subscriber(mosquitto.url, "alarm", [`${BASE}/alarm/state`], 1, (_topic, payload, at) =>
        stateArrivals.push({ state: payload, at }),
      ),
      await subscriber(mosquitto.url, "mirror", [`${BASE}/bus/SENSOR/#`], 0, () => counts.mirrored++),
      await subscriber(mosquitto.url, "sensors", [`${BASE}/sensor/+/state`], 1, () => counts.sensorStates++),
    );

    const bridge = startServiceProcess({
      name: "mqtt-bridge",
      main: BRIDGE_MAIN,
      dir,
      config: {
        bus: endpoints,
        hardware: { backend: "sim" },
        sensors: [
          ...SENSOR_IDS.map((id, i) => ({ id, kind: "bme280", i2cAddress: 0x70 + i })),
          { id: "front", kind: "door", pin: 25 },
          { id: "hall", kind: "pir", pin: 24 },
        ],
        alarm: {
          requests: `ipc://${dir}/alarm.sock`,
          zones: [
            { sensor: "front", type: "entry" },
            { sensor: "hall", type: "follower" },
          ],
        },
        mqtt: {
          url: mosquitto.url,
          clientId: "roomguard-bench",
          baseTopic: BASE,
          homeassistant: { nodeId: "roomguard_bench" },
          mirror: { topics: ["SENSOR"] },
        },
        log: { level: "info", format: "json" },
      },
    });
    processes.push(bridge);
    const pids = { bridge: bridge.child.pid ?? 0, mosquitto: mosquitto.pid() ?? 0, router: router.child.pid ?? 0 };

    const sensorsBus = new BusClient(endpoints);
    const alarmBus = new BusClient(endpoints);
    buses.push(sensorsBus, alarmBus);
    await Promise.all(buses.map((bus) => bus.waitForRouter()));
    for (const text of ["ALARM: x", "SENSOR: x"])
      await waitUntil(() => alarmBus.wants(text), { what: `the bridge's subscription covering "${text}"`, timeoutMs: 15_000 });
    // The state before the window: disarmed (change 0), on the state topic once the bridge is connected.
    await waitUntil(
      async () => {
        await alarmBus.publish(`ALARM: disarmed ${JSON.stringify({ ...ALARM_PAYLOAD, mode: null })}`);
        await sleep(100);
        return stateArrivals.some((arrival) => arrival.state === "disarmed");
      },
      { what: `disarmed on ${BASE}/alarm/state`, timeoutMs: 15_000 },
    ).catch((error: unknown) => {
      throw new Error(`${(error as Error).message}; the bridge said: ${JSON.stringify(bridge.lines.slice(-10))}`);
    });
    const idle = { bridge: memoryOf(pids.bridge), mosquitto: memoryOf(pids.mosquitto) };

    const load = new BusLoad({
      readings: sensorsBus,
      changes: alarmBus,
      readingsPerS: READINGS_PER_S,
      reading: (n) =>
        `SENSOR: ${SENSOR_IDS[n % SENSOR_IDS.length] ?? "living"} ${JSON.stringify({ temperature_c: 20 + (n % 100) / 10, humidity_pct: 40 + (n % 37), pressure_hpa: 1000 + (n % 29) })}`,
      changeEveryMs: CHANGE_EVERY_MS,
      change: (n) =>
        `ALARM: ${stateOf(n)} ${JSON.stringify({ ...ALARM_PAYLOAD, mode: n % 2 === 1 ? "away" : null, changed_by: `bench-${n}` })}`,
    });
    const mirroredAtStart = counts.mirrored;
    load.startReadings();
    await sleep(WARMUP_MS);
    log(`${windowMs / 1000} s of ${READINGS_PER_S} readings/s, each mirrored, and an alarm change every ${CHANGE_EVERY_MS} ms`);
    const loop = monitorEventLoopDelay({ resolution: 1 });
    loop.enable();
    const cpu0 = {
      bridge: processUsage(pids.bridge).cpuMs,
      mosquitto: processUsage(pids.mosquitto).cpuMs,
      router: processUsage(pids.router).cpuMs,
    };
    const bench0 = process.cpuUsage();
    const readings0 = load.readings();
    const mirrored0 = counts.mirrored;
    const sensorStates0 = counts.sensorStates;
    const arrivals0 = stateArrivals.length;
    const t0 = performance.now();
    const first = load.startChanges();
    await sleep(windowMs);
    const last = load.stopChanges();
    const wallMs = performance.now() - t0;
    const pct = (ms: number): number => (100 * ms) / wallMs;
    const cpuPct = {
      bridge: pct(processUsage(pids.bridge).cpuMs - cpu0.bridge),
      mosquitto: pct(processUsage(pids.mosquitto).cpuMs - cpu0.mosquitto),
      router: pct(processUsage(pids.router).cpuMs - cpu0.router),
    };
    const benchUsage = process.cpuUsage(bench0);
    const benchCpuPct = pct((benchUsage.user + benchUsage.system) / 1000);
    const perS = (n: number): number => (n * 1000) / wallMs;
    const readingsPerS = perS(load.readings() - readings0);
    const mirroredPerS = perS(counts.mirrored - mirrored0);
    const sensorStatesPerS = perS(counts.sensorStates - sensorStates0);
    loop.disable();
    const memory: { bridge: ProcessMemory | null; mosquitto: ProcessMemory | null } = {
      bridge: memoryOf(pids.bridge),
      mosquitto: memoryOf(pids.mosquitto),
    };
    load.stopReadings();
    await sleep(LOST_AFTER_MS + 100);
    const readingsSent = load.readings();
    const mirroredTotal = counts.mirrored - mirroredAtStart;

    // Each change's arrival: the first state arrival after the previous match with its state and not before its publish.
    const latencies: number[] = [];
    let next = arrivals0;
    for (let n = first; n <= last; n++) {
      const sent = load.sentAt.get(n) ?? NaN;
      let ms = Infinity;
      for (let i = next; i < stateArrivals.length; i++) {
        const arrival = stateArrivals[i];
        if (arrival === undefined || arrival.at < sent) continue;
        if (arrival.state === stateOf(n)) {
          ms = arrival.at - sent <= LOST_AFTER_MS ? arrival.at - sent : Infinity;
          next = i + 1;
          break;
        }
      }
      latencies.push(ms);
    }
    const sorted = latencies.sort((a, b) => a - b);
    const lost = sorted.filter((ms) => ms === Infinity).length;
    const p99 = quantile(sorted, 0.99);

    const ms = (value: number): string => (value === Infinity ? "lost" : formatNumber(value, 1));
    const mib = (bytes: number | null | undefined): string => (bytes == null ? "unknown" : `${formatNumber(bytes / 2 ** 20, 1)} MiB`);
    const rssPss = (m: ProcessMemory | null): string => `${mib(m?.rssBytes)} / ${mib(m?.pssBytes)}`;
    const rows: BenchRow[] = [
      {
        measure: `\`ALARM:\` change on the bus → \`${BASE}/alarm/state\` at an MQTT subscriber, ${formatNumber(last - first + 1)} changes: p50 / p99 / max`,
        value: `${ms(quantile(sorted, 0.5))} / ${ms(p99)} / ${ms(sorted.at(-1) ?? NaN)} ms; ${lost} lost`,
        target: `p99 ≤ ${TARGET_P99_MS} ms, none lost`,
        ok: p99 <= TARGET_P99_MS && lost === 0,
      },
      {
        measure: "CPU over that window (% of one core)",
        value: `bridge ${formatNumber(cpuPct.bridge, 1)} %, Mosquitto ${formatNumber(cpuPct.mosquitto, 1)} %, router ${formatNumber(cpuPct.router, 1)} %, benchmark ${formatNumber(benchCpuPct, 1)} % (its event loop's delay p99 ${formatNumber(loop.percentile(99) / 1e6, 1)} ms)`,
        target: "",
        ok: null,
      },
      {
        measure: "RSS / PSS, idle (connected, before the load); after the window",
        value: `bridge ${rssPss(idle.bridge)}; ${rssPss(memory.bridge)} · Mosquitto ${rssPss(idle.mosquitto)}; ${rssPss(memory.mosquitto)}`,
        target: "",
        ok: null,
      },
      {
        measure: `readings sent on the bus; mirrored on \`${BASE}/bus/SENSOR/#\` at a subscriber (per s over the window)`,
        value: `${formatNumber(readingsPerS)}/s; ${formatNumber(mirroredPerS)}/s — ${formatNumber(mirroredTotal)} of ${formatNumber(readingsSent)} sent arrived in all`,
        target: "",
        ok: null,
      },
      {
        measure: `\`${BASE}/sensor/+/state\` at a subscriber (${SENSOR_IDS.length} sensors, at most 1/s each)`,
        value: `${formatNumber(sensorStatesPerS, 2)}/s`,
        target: "",
        ok: null,
      },
    ];
    if (load.publishFailures > 0)
      rows.push({ measure: "bus publishes that failed in the benchmark", value: formatNumber(load.publishFailures), target: "", ok: null });

    publishBenchReport(REPO, "mqtt-bridge", {
      title: "MQTT bridge",
      script: "packages/mqtt-bridge/dist/bench/mqtt-bridge-bench.js",
      quick,
      rows,
      notes: [
        `A bridge process (\`packages/mqtt-bridge/dist/src/main.js\`, simulated hardware, ${SENSOR_IDS.length} BME280 sensors, a door and a PIR as two zones, \`mqtt.mirror.topics: [SENSOR]\`, Home Assistant discovery on), a router process and Debian's Mosquitto (\`startTestMosquitto\`: 127.0.0.1, anonymous, no persistence), no alarm process. A bus client sends \`SENSOR:\` readings for the ${SENSOR_IDS.length} sensors at ${formatNumber(READINGS_PER_S)}/s, paced every 5 ms, from ${WARMUP_MS / 1000} s before the window to its end; another sends an \`ALARM:\` state every ${CHANGE_EVERY_MS} ms, alternating armed_away and disarmed (the bridge publishes the state topic only when the state's name changes), \`changed_by: bench-<n>\`. A window of ${windowMs / 1000} s.`,
        `Latency runs from just before the bus publish to the state's arrival at an mqtt.js subscriber (QoS 1) in the benchmark's process, both by \`performance.now()\`, so the publisher's and the subscribers' event loop is in every figure (its delay p99 is in the CPU row; the same process receives the ${formatNumber(READINGS_PER_S)} mirrored messages/s on another connection). A change whose state did not arrive within ${LOST_AFTER_MS / 1000} s counts as lost (Infinity), never left out; a state lost makes the next change none for the bridge, so it is lost too. CPU is user + system time from /proc/<pid>/stat over the window's wall time; RSS and PSS from /proc/<pid>/smaps_rollup. The mirror's total counts every mirrored message (QoS 0) that arrived by ${LOST_AFTER_MS / 1000} s after the readings stopped.`,
      ],
    });
  } finally {
    await Promise.all(clients.map((client) => client.endAsync(true)));
    await Promise.all(buses.map((bus) => bus.close()));
    for (const child of processes.reverse()) await child.stop();
    await mosquitto?.stop();
    if (mosquitto !== undefined) rmSync(mosquitto.dir, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();

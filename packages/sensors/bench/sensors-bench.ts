// The sensor reader's benchmark: 20 simulated sensors read once a second (2 BME280 chip models
// on the simulated I2C bus, 18 DS18B20s as w1_slave files) for 60 s: CPU and RSS of the
// sensor reader process. Prints a table and writes it to docs/performance.md.
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { BusClient } from "@roomguard/bus";
import { type BenchRow, formatNumber, processUsage, publishBenchReport, routerMain, startServiceProcess } from "@roomguard/testing";
import { writeW1Slave } from "@roomguard/sensor-ds18b20/sim";

const REPO = fileURLToPath(new URL("../../../../", import.meta.url));
const ROUTER_MAIN = routerMain();
const SENSORS_MAIN = fileURLToPath(new URL("../src/main.js", import.meta.url));
const log = (text: string): void => void process.stderr.write(`${text}\n`);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function main(): Promise<void> {
  const quick = process.argv.includes("--quick");
  const seconds = quick ? 15 : 60;
  const dir = mkdtempSync(path.join(os.tmpdir(), "roomguard-sensors-bench-"));
  const endpoints = { in: `ipc://${dir}/in.sock`, out: `ipc://${dir}/out.sock` };
  const w1Root = path.join(dir, "w1");
  const thermometers = Array.from({ length: 18 }, (_, i) => `28-${i.toString(16).padStart(12, "0")}`);
  thermometers.forEach((address, i) => writeW1Slave(w1Root, address, 18 + i / 4));
  const sensors = [
    { id: "climate-1", kind: "bme280", i2cAddress: 0x76, intervalS: 1 },
    { id: "climate-2", kind: "bme280", i2cAddress: 0x77, intervalS: 1 },
    ...thermometers.map((address, i) => ({ id: `pipe-${i + 1}`, kind: "ds18b20", address, w1Root, intervalS: 1 })),
  ];
  const config = { bus: endpoints, log: { format: "json" } };
  const router = startServiceProcess({
    name: "router",
    main: ROUTER_MAIN,
    dir,
    config: { ...config, router: { journal: { enabled: false } } },
  });
  const client = new BusClient(endpoints);
  let reader;
  try {
    await router.waitForLog((line) => line.msg === "listening");
    const readings = client.subscribe("SENSOR: ");
    await client.waitForRouter();
    reader = startServiceProcess({ name: "sensors", main: SENSORS_MAIN, config: { ...config, hardware: { backend: "sim" }, sensors } });
    await reader.waitForLog((line) => line.msg === "sensors started", 10_000);
    let received = 0;
    let faults = 0;
    const counting = (async () => {
      for await (const message of readings) {
        if (message.rest.includes(" fault ")) faults++;
        else received++;
      }
    })();
    await sleep(3000); // past start-up
    received = 0;
    faults = 0;
    const pid = reader.child.pid ?? 0;
    const before = processUsage(pid);
    const startedAt = performance.now();
    log(`20 sensors at 1 Hz for ${seconds} s`);
    await sleep(seconds * 1000);
    const after = processUsage(pid);
    const elapsedMs = performance.now() - startedAt;
    readings.close();
    await counting;
    const cpuPercent = ((after.cpuMs - before.cpuMs) / elapsedMs) * 100;
    const rssMb = after.rssBytes / 2 ** 20;
    const rows: BenchRow[] = [
      {
        measure: `sensor reader CPU, 20 sensors at 1 Hz, ${seconds} s (of one core)`,
        value: `${formatNumber(cpuPercent, 2)} %`,
        target: "≤ 2 %",
        ok: cpuPercent <= 2,
      },
      { measure: "sensor reader RSS at the end", value: `${formatNumber(rssMb, 1)} MB`, target: "≤ 70 MB", ok: rssMb <= 70 },
      {
        measure: "readings received on the bus, and faults",
        value: `${formatNumber(received / (elapsedMs / 1000), 1)}/s, ${faults} faults`,
        target: "≈ 20/s, no faults",
        ok: received / (elapsedMs / 1000) >= 19 && faults === 0,
      },
    ];
    publishBenchReport(REPO, "sensors", {
      title: "Sensor reader",
      script: "packages/sensors/dist/bench/sensors-bench.js",
      quick,
      rows,
      notes: [
        "The sensor reader process runs on simulated hardware: two BME280 register models on the simulated I2C bus (a",
        "forced conversion, status polling and compensation per reading) and eighteen DS18B20s as real `w1_slave` files",
        "(read, CRC-checked, parsed). CPU time and RSS are read from /proc; readings are counted at a bus subscriber.",
      ],
    });
  } finally {
    await client.close();
    await reader?.stop();
    await router.stop();
  }
}

await main();

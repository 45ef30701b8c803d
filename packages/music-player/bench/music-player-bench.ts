// The music player's benchmark: `KEY: RIGHT` published on the bus → MPD's song changed, as an
// MPD client watching MPD's idle events sees it; p50/p99 over 500 presses, and the service's
// RSS. A real router, a real mpd (null output), the music player process. Writes its section
// of docs/performance.md.
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { BusClient } from "@roomguard/bus";
import {
  formatNumber,
  processUsage,
  publishBenchReport,
  quantile,
  routerMain,
  startServiceProcess,
  startTestMpd,
  waitUntil,
  type BenchRow,
} from "@roomguard/testing";
import { MpdConnection } from "../src/mpd-connection.js";
import { pairsToRecord } from "../src/mpd-protocol.js";

const REPO = fileURLToPath(new URL("../../../../", import.meta.url));
const ROUTER_MAIN = routerMain();
const PLAYER_MAIN = fileURLToPath(new URL("../src/main.js", import.meta.url));
const log = (text: string): void => void process.stderr.write(`${text}\n`);

async function main(): Promise<void> {
  const quick = process.argv.includes("--quick");
  const presses = quick ? 100 : 500;
  const dir = mkdtempSync(path.join(os.tmpdir(), "roomguard-music-bench-"));
  const endpoints = { in: `ipc://${dir}/in.sock`, out: `ipc://${dir}/out.sock` };
  log("making 20 tracks and starting mpd");
  const mpd = await startTestMpd({
    tracks: Array.from({ length: 20 }, (_, i) => ({ file: `bench/${i + 1}.mp3`, title: `Track ${i + 1}`, seconds: 5 })),
  });
  const router = startServiceProcess({
    name: "router",
    main: ROUTER_MAIN,
    dir,
    config: { bus: endpoints, log: { format: "json" }, router: { journal: { enabled: false } } },
  });
  const client = new BusClient(endpoints);
  let player;
  try {
    await router.waitForLog((line) => line.msg === "listening");
    await client.waitForRouter();
    player = startServiceProcess({
      name: "music-player",
      main: PLAYER_MAIN,
      config: { bus: endpoints, log: { format: "json", level: "warn" }, music: { mpd: { spawn: false, socket: mpd.socket } } },
    });
    const control = await MpdConnection.open({ socket: mpd.socket });
    await control.commandList(['add ""', "repeat 1", "play 0"]);
    control.close();
    await waitUntil(() => client.wants("KEY: RIGHT"), { what: "the music player's subscription to KEY: RIGHT", intervalMs: 5 });

    // The observer waits in idle and reads the song id at each player change.
    let songChanged: ((songId: string) => void) | undefined;
    const observer = await MpdConnection.open(
      { socket: mpd.socket },
      {
        onChange: (subsystems) => {
          if (!subsystems.includes("player")) return;
          observer.command("status").then(
            (answer) => songChanged?.(pairsToRecord(answer).songid ?? ""),
            () => undefined,
          );
        },
      },
    );
    const songId = async (): Promise<string> => pairsToRecord(await observer.command("status")).songid ?? "";
    const pressOnce = async (): Promise<number> => {
      const before = await songId();
      const changed = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("the song did not change within 5 s of KEY: RIGHT")), 5000);
        songChanged = (id) => {
          if (id === before) return;
          clearTimeout(timer);
          resolve();
        };
      });
      const sentAt = performance.now();
      await client.publish("KEY: RIGHT");
      await changed;
      return performance.now() - sentAt;
    };
    for (let i = 0; i < 20; i++) await pressOnce(); // warm-up
    log(`${presses} presses of KEY: RIGHT`);
    const samples: number[] = [];
    for (let i = 0; i < presses; i++) samples.push(await pressOnce());
    observer.close();
    samples.sort((a, b) => a - b);
    const p50 = quantile(samples, 0.5);
    const p99 = quantile(samples, 0.99);
    const rssMb = processUsage(player.child.pid ?? 0).rssBytes / 2 ** 20;
    const rows: BenchRow[] = [
      { measure: `KEY: RIGHT → MPD's song changed, p50 (${presses} presses)`, value: `${formatNumber(p50, 2)} ms`, target: "", ok: null },
      { measure: `KEY: RIGHT → MPD's song changed, p99`, value: `${formatNumber(p99, 2)} ms`, target: "≤ 25 ms", ok: p99 <= 25 },
      { measure: "slowest press", value: `${formatNumber(samples.at(-1) ?? NaN, 2)} ms`, target: "", ok: null },
      { measure: "music player RSS (mpd not included)", value: `${formatNumber(rssMb, 1)} MB`, target: "≤ 70 MB", ok: rssMb <= 70 },
    ];
    publishBenchReport(REPO, "music-player", {
      title: "Music player",
      script: "packages/music-player/dist/bench/music-player-bench.js",
      quick,
      rows,
      notes: [
        "A real router, a real mpd with a null output (it plays in real time, silently) and 20 five-second MP3s with",
        "repeat on, and the music player process connected to mpd's local socket. Each press is timed from publishing",
        "`KEY: RIGHT` on the bus to a second MPD client, waiting in `idle`, reading a new song id after MPD's `player`",
        "change; the next press follows. RSS is the music player's own, from /proc.",
      ],
    });
  } finally {
    await client.close();
    await player?.stop();
    await router.stop();
    await mpd.close();
  }
}

await main();

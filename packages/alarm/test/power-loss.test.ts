// Issue 14, "state survives power loss": a writer saves a stream of states and acknowledges each
// on stdout after save returns; it is SIGKILLed at a random moment, and what loads must be the
// last acknowledged state or the one in flight: never older, never a bad file, never disarmed
// by accident. SIGKILL loses no page cache, so this proves the write/rename order (no window in
// which a reader finds no good file); fsync of the file and the directory is what carries the
// same order through a real power cut.
import assert from "node:assert/strict";
import { spawn, type ChildProcessByStdio } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Readable } from "node:stream";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { openStateFile } from "../src/state-file.js";
import { stateForSeq } from "./power-loss-states.js";

const WRITER = fileURLToPath(new URL("./power-loss-writer.js", import.meta.url));
const ITERATIONS = 200;
/** Kill this long (0–30 ms, random) after the writer said it is saving; every 8th run, after spawn instead (a kill while it starts). */
const MAX_DELAY_MS = 30;

/** A writer that has not started saving after this long is stuck: the run fails (and the writer is killed). */
const READY_CAP_MS = 10_000;

type Writer = ChildProcessByStdio<null, Readable, Readable>;

/** A small seeded generator (mulberry32), so a failing run can be told apart by its seed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Runs the writer until it is killed; resolves with the seqs it acknowledged (whole lines only). */
async function runAndKill(dir: string, delayMs: number, fromSpawn: boolean): Promise<{ acked: number[]; ready: boolean }> {
  const child: Writer = spawn(process.execPath, [WRITER, dir], { stdio: ["ignore", "pipe", "pipe"] });
  const closed = once(child, "close");
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  try {
    if (!fromSpawn) {
      // Wait for "ready" (the writer has loaded and starts saving), or for the writer to die, which fails below.
      let cap: NodeJS.Timeout | undefined;
      const isReady = await new Promise<boolean>((resolve) => {
        const check = (): void => {
          if (stdout.includes("\n")) resolve(true);
        };
        child.stdout.on("data", check);
        child.on("exit", () => resolve(false));
        cap = setTimeout(() => resolve(false), READY_CAP_MS);
        check();
      });
      clearTimeout(cap);
      assert.ok(isReady || child.exitCode !== null, `the writer was not ready within ${READY_CAP_MS} ms: ${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    assert.equal(child.exitCode, null, `the writer exited by itself: ${stderr}`);
  } finally {
    child.kill("SIGKILL");
    await closed;
  }
  const lines = stdout.split("\n").slice(0, -1); // the last piece is a partial line or ""
  const ready = lines[0]?.startsWith("ready ") === true;
  return { acked: lines.slice(ready ? 1 : 0).map(Number), ready };
}

describe("power loss: kill -9 during a stream of saves", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "roomguard-power-loss-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it(
    `never loses an acknowledged state nor loads a bad one (${ITERATIONS} kills)`,
    { timeout: 170_000 } /* 200 processes spawned and killed: over 90 s beside three other test files on two cores */,
    async (t) => {
      const seed = Date.now() >>> 0;
      const next = random(seed);
      const started = performance.now();
      // The highest seq known to be stored: acknowledged by a writer, or loaded before.
      let floor = 0;
      let acks = 0;
      let killedMidStream = 0;
      let fromPrevious = 0;
      for (let run = 0; run < ITERATIONS; run++) {
        const fromSpawn = run % 8 === 7;
        const delayMs = Math.floor(next() * (MAX_DELAY_MS + 1));
        const { acked } = await runAndKill(dir, delayMs, fromSpawn);
        const context = `run ${run}, seed ${seed}, ${delayMs} ms after ${fromSpawn ? "spawn" : "ready"}, acked ${acked.length} up to ${acked.at(-1) ?? "none"}`;
        acked.forEach((seq, index) => assert.equal(seq, floor + index + 1, `${context}: acknowledgments count up from the stored seq`));
        floor = acked.at(-1) ?? floor;
        acks += acked.length;
        if (acked.length > 0) killedMidStream++;

        const loaded = openStateFile(dir).load();
        if (loaded.kind === "first-start") {
          assert.equal(floor, 0, `${context}: a first start after a stored state`);
          continue;
        }
        assert.equal(loaded.kind, "ok", `${context}: ${JSON.stringify(loaded)}`);
        if (loaded.from === "previous") fromPrevious++; // killed between the two renames: state.json is missing, not torn
        assert.ok(loaded.seq >= floor, `${context}: loaded seq ${loaded.seq} is older than the acknowledged ${floor}`);
        // At most the one save in flight at the kill completed without being acknowledged.
        assert.ok(loaded.seq <= floor + 1, `${context}: loaded seq ${loaded.seq} was never written`);
        assert.deepEqual(loaded.state, stateForSeq(loaded.seq), `${context}: the state is the one written as seq ${loaded.seq}`);
        assert.deepEqual(
          readdirSync(dir).filter((name) => name.startsWith("state.json.corrupt-")),
          [],
          `${context}: no file was ever set aside as corrupt`,
        );
        floor = loaded.seq;
      }
      const seconds = (performance.now() - started) / 1000;
      t.diagnostic(
        `${ITERATIONS} kills in ${seconds.toFixed(1)} s; ${acks} acknowledged saves; ${killedMidStream} kills after at least one ack; ${fromPrevious} loads from state.prev.json; seed ${seed}`,
      );
    },
  );
});

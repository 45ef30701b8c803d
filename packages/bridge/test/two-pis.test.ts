// The bridge end to end (two-pis.inner.ts) inside a network namespace this test makes: its own
// loopback device with 10.99.0.1 and 10.99.0.2 on it, one for each appliance's router, so the
// routers listen on an address that is not loopback (and so use CURVE) without listening on any
// interface of the host. A PID namespace too: every process the inner tests start dies with the
// inner run, when it ends or when it is killed on timeout (`unshare --kill-child`).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import path from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { ADDRESS } from "./rig.js";

const INNER = path.join(path.dirname(fileURLToPath(import.meta.url)), "two-pis.inner.js");
/** Each inner test's own cap, and the whole inner run's, after which it is killed. */
const TEST_TIMEOUT_MS = 240_000;
const RUN_TIMEOUT_MS = 300_000;

interface InnerRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
  timedOut: boolean;
}

/** `node --test INNER` in a fresh network and PID namespace (root only), to its end or `RUN_TIMEOUT_MS`. */
function runInNamespace(): Promise<InnerRun> {
  const setup = [
    "ip link set lo up",
    `ip addr add ${ADDRESS.a}/32 dev lo`,
    `ip addr add ${ADDRESS.b}/32 dev lo`,
    `exec "$0" --test --test-reporter=tap --test-timeout=${TEST_TIMEOUT_MS} "$1"`,
  ].join(" && ");
  const child = spawn(
    "unshare",
    ["--net", "--pid", "--fork", "--kill-child", "--mount-proc", "sh", "-c", setup, process.execPath, INNER],
    // Without NODE_TEST_CONTEXT, which would make the inner node --test a child of this run that runs no files.
    { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NODE_TEST_CONTEXT: undefined } },
  );
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  let timedOut = false;
  // unshare's child is the namespace's init: SIGKILL to unshare kills it (--kill-child), and the
  // kernel kills every other process of the namespace with it.
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill("SIGKILL");
  }, RUN_TIMEOUT_MS);
  return new Promise((resolve) => {
    child.on("error", (error) => (output += `\ncannot start unshare: ${error.message}\n`));
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, output, timedOut });
    });
  });
}

/** The names of the tests that failed, from the TAP lines `not ok N - name` (a suite's too). */
function failures(tap: string): string[] {
  return tap
    .split("\n")
    .filter((line) => /^\s*not ok \d+ - /.test(line))
    .map((line) => line.replace(/^\s*not ok \d+ - /, ""));
}

describe("the bridge end to end, in a network namespace of its own", () => {
  it(
    "two-pis.inner.js passes: two appliances on 10.99.0.1 and 10.99.0.2 (CURVE), nothing on the host's interfaces",
    { timeout: RUN_TIMEOUT_MS + 20_000 },
    async () => {
      const run = await runInNamespace();
      const failed = failures(run.output);
      assert.ok(
        run.code === 0 && !run.timedOut,
        [
          `the inner run ${run.timedOut ? `was killed after ${RUN_TIMEOUT_MS} ms` : `exited with ${run.code ?? run.signal}`}`,
          failed.length > 0 ? `failing: ${failed.join("; ")}` : "no test named as failing",
          "its output:",
          run.output,
        ].join("\n"),
      );
      // A run that passed ran them: not an empty file.
      assert.match(run.output, /^# pass [1-9]/m, run.output);
      assert.match(run.output, /^# fail 0$/m, run.output);
    },
  );
});

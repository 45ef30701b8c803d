import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { configPathFrom } from "../src/run-service.js";

const fixture = fileURLToPath(new URL("./fixtures/service.js", import.meta.url));

interface Run {
  code: number | null;
  lines: Array<Record<string, unknown>>;
}

/** Runs the fixture service; `signalAfterReady` sends that signal once it logs "ready". */
function run(mode: string, options: { config?: string; signalAfterReady?: NodeJS.Signals } = {}): Promise<Run> {
  const cwd = mkdtempSync(path.join(tmpdir(), "roomguard-runtime-"));
  const args = [fixture];
  if (options.config !== undefined) {
    writeFileSync(path.join(cwd, "bad.yaml"), options.config);
    args.push("--config", "bad.yaml");
  }
  const child = spawn(process.execPath, args, { cwd, env: { ...process.env, FIXTURE_MODE: mode, ROOMGUARD_CONFIG: "" } });
  const lines: Array<Record<string, unknown>> = [];
  let buffered = "";
  child.stdout.on("data", (chunk: Buffer) => {
    buffered += chunk.toString();
    for (let end = buffered.indexOf("\n"); end >= 0; end = buffered.indexOf("\n")) {
      const line = JSON.parse(buffered.slice(0, end)) as Record<string, unknown>;
      buffered = buffered.slice(end + 1);
      lines.push(line);
      if (line.msg === "ready" && options.signalAfterReady) child.kill(options.signalAfterReady);
    }
  });
  return new Promise((resolve) => child.on("exit", (code) => resolve({ code, lines })));
}

describe("runService", () => {
  it("stops cleanly on SIGTERM and SIGINT and exits 0", async () => {
    for (const signal of ["SIGTERM", "SIGINT"] as const) {
      const { code, lines } = await run("normal", { signalAfterReady: signal });
      assert.equal(code, 0);
      assert.deepEqual(lines.map((line) => line.msg).slice(-3), ["stopping", "released", "stopped"]);
      assert.equal(lines.find((line) => line.msg === "stopping")?.reason, signal);
    }
  });

  it("exits 78 with every config issue named", async () => {
    const { code, lines } = await run("normal", { config: "bus:\n  maxMessageSize: lots\nlog:\n  level: loud\n" });
    assert.equal(code, 78);
    assert.equal(lines.length, 1);
    const issues = lines[0]?.issues as string[];
    assert.equal(issues.length, 2);
    assert.match(issues[0] ?? "", /^bus\.maxMessageSize: expected a number, got "lots" \(.*bad\.yaml:2\)$/);
    assert.match(issues[1] ?? "", /^log\.level: expected one of "debug", "info", "warn", "error", got "loud" \(.*bad\.yaml:4\)$/);
  });

  it("exits 1 when start fails, naming the error", async () => {
    const { code, lines } = await run("fail");
    assert.equal(code, 1);
    assert.deepEqual(lines.at(-1)?.error, { message: "cannot open device", code: "ENODEV" });
  });

  it("stops when the service asks to", async () => {
    const { code, lines } = await run("self-stop");
    assert.equal(code, 0);
    assert.equal(lines.find((line) => line.msg === "stopping")?.reason, "asked by itself");
  });

  it("exits anyway when stop() outlives the cap", async () => {
    const started = Date.now();
    const { code, lines } = await run("slow-stop", { signalAfterReady: "SIGTERM" });
    assert.equal(code, 1);
    assert.ok(Date.now() - started < 5000);
    assert.equal(lines.at(-1)?.msg, "stop took too long: exiting anyway");
  });
});

describe("configPathFrom", () => {
  it("reads --config FILE, -c FILE and --config=FILE", () => {
    assert.equal(configPathFrom(["--config", "a.yaml"]), "a.yaml");
    assert.equal(configPathFrom(["x", "-c", "b.yaml"]), "b.yaml");
    assert.equal(configPathFrom(["--config=c.yaml"]), "c.yaml");
    assert.equal(configPathFrom(["tap", "KEY:"]), undefined);
  });
});

#!/usr/bin/env node
// The test command: format and lint checks, the type check, then every test file with
// Node's test runner, then the deploy tests (deploy/test: a real install in a booted Debian
// rootfs).
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { distFiles } from "./dist-files.mjs";
import { ensureSystemPackages } from "./system-packages.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const bin = (name) => path.join(root, "node_modules", ".bin", name);

function step(name, command, args) {
  process.stderr.write(`\n== ${name}\n`);
  const started = Date.now();
  const result = spawnSync(command, args, { cwd: root, stdio: "inherit" });
  const ok = result.status === 0;
  process.stderr.write(`== ${name}: ${ok ? "ok" : "FAILED"} (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
  return ok;
}

const testFiles = distFiles(root, "test", ".test.js");
const deployTests = readdirSync(path.join(root, "deploy", "test"))
  .filter((file) => file.endsWith(".test.mjs"))
  .map((file) => path.join(root, "deploy", "test", file));

// The onoff tests need libfuse3 (Debian packages); fail early and clearly when it cannot be had.
if (!ensureSystemPackages()) process.exit(1);

const results = [
  step("format", bin("prettier"), ["--check", "--log-level", "warn", "."]),
  step("lint", bin("eslint"), ["--max-warnings", "0", "."]),
  step("types", bin("tsc"), ["-b"]),
  // Tests mostly wait on sockets and child processes, so four run at once even on two cores.
  step(`tests (${testFiles.length} files)`, process.execPath, ["--test", "--test-concurrency=4", "--test-timeout=180000", ...testFiles]),
  // The deploy tests build and boot a whole Debian system: alone, so they slow no timing above.
  step(`deploy tests (${deployTests.length} files)`, process.execPath, ["--test", "--test-concurrency=1", ...deployTests]),
];
process.exit(results.every(Boolean) ? 0 : 1);

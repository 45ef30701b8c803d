#!/usr/bin/env node
// `pnpm bench`: every package's benchmark (packages/*/dist/bench/*-bench.js), one after the
// other, each writing its section of docs/performance.md. Arguments pass through (--quick).
import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { distFiles } from "./dist-files.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const benches = distFiles(root, "bench", "-bench.js");

let failed = 0;
for (const bench of benches) {
  process.stderr.write(`\n== ${path.relative(root, bench)}\n`);
  const result = spawnSync(process.execPath, [bench, ...process.argv.slice(2)], { cwd: root, stdio: "inherit" });
  if (result.status !== 0) failed++;
}
process.stderr.write(`\n${benches.length - failed} of ${benches.length} benchmarks met their targets; figures in docs/performance.md\n`);
process.exit(failed > 0 ? 1 : 0);

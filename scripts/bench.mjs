#!/usr/bin/env node
// `pnpm bench`: every package's benchmark (packages/*/dist/bench/*-bench.js), one after the
// other, each rewriting only its own section of docs/performance.md. `--only NAME[,NAME]` runs
// those benchmarks alone (NAME: router, curve, bridge, keypad, sensors, music-player, alarm, web, mqtt-bridge, appliance); the other
// arguments pass through (--quick).
import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { distFiles } from "./dist-files.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const all = distFiles(root, "bench", "-bench.js");
const nameOf = (bench) => path.basename(bench, "-bench.js");

const { values, tokens } = parseArgs({ options: { only: { type: "string", multiple: true } }, strict: false, tokens: true });
const raw = (token) =>
  token.kind === "positional"
    ? token.value
    : token.kind === "option-terminator"
      ? "--"
      : token.inlineValue
        ? `${token.rawName}=${token.value}`
        : token.rawName;
const passThrough = tokens.filter((token) => token.kind !== "option" || token.name !== "only").map(raw);
const wanted = (values.only ?? []).flatMap((list) => String(list).split(",")).filter(Boolean);
const unknown = wanted.filter((name) => !all.some((bench) => nameOf(bench) === name));
if (unknown.length > 0) {
  process.stderr.write(`bench: no benchmark named ${unknown.join(", ")}; there are: ${all.map(nameOf).join(", ")} (built ones only)\n`);
  process.exit(64);
}
const benches = wanted.length > 0 ? all.filter((bench) => wanted.includes(nameOf(bench))) : all;

let failed = 0;
for (const bench of benches) {
  process.stderr.write(`\n== ${path.relative(root, bench)}\n`);
  const result = spawnSync(process.execPath, [bench, ...passThrough], { cwd: root, stdio: "inherit" });
  if (result.status !== 0) failed++;
}
process.stderr.write(`\n${benches.length - failed} of ${benches.length} benchmarks met their targets; figures in docs/performance.md\n`);
process.exit(failed > 0 ? 1 : 0);

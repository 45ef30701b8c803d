#!/usr/bin/env node
// `npm run new-sensor <kind>` (or `pnpm new-sensor <kind>`): creates packages/sensor-<kind> from
// scripts/sensor-template (a sensor, a test against the simulated board, a README with a wiring
// section), adds it to the sensor reader's dependencies and to the build, installs with the
// pinned pnpm (scripts/pnpm.mjs: PATH's if it matches, else .tools/'s, installed if need be) and
// builds the new package. All or nothing: when a step fails, the three files it edits
// (packages/sensors/package.json, tsconfig.json, pnpm-lock.yaml) are written back as they were
// and the new package is removed, so the checkout is as before and a re-run starts afresh.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { ensurePnpm, installEnv } from "./pnpm.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "..");
const USAGE = "usage: npm run new-sensor <kind>   (e.g. npm run new-sensor sht31; with pnpm: pnpm new-sensor sht31)";

function say(message) {
  process.stdout.write(`new-sensor: ${message}\n`);
}

function fail(message) {
  process.stderr.write(`new-sensor: ${message}\n`);
  process.exit(64);
}

let parsed;
try {
  parsed = parseArgs({ options: { help: { type: "boolean", short: "h" } }, allowPositionals: true });
} catch (error) {
  fail(`${error.message}\n${USAGE}`);
}
if (parsed.values.help) {
  process.stdout.write(`${USAGE}\nCreates packages/sensor-<kind>, installs and builds it (docs/adding-a-sensor.md).\n`);
  process.exit(0);
}
const { positionals } = parsed;
const [kind] = positionals;
if (!kind || positionals.length > 1) fail(USAGE);
if (!/^[a-z][a-z0-9-]*$/.test(kind)) fail(`expected a kind of lower-case letters, digits and - (like sht31 or hc-sr04), got "${kind}"`);
if (kind === "kit") fail(`"kit" is taken by sensor-kit`);
const relativeTarget = `packages/sensor-${kind}`;
const target = path.join(root, relativeTarget);
if (existsSync(target)) fail(`${relativeTarget} already exists`);

// Everything this script changes outside the new package, as it was: written back on failure.
const edited = ["packages/sensors/package.json", "tsconfig.json", "pnpm-lock.yaml"];
const before = new Map(edited.map((file) => [file, readFileSync(path.join(root, file))]));

class StepFailed extends Error {}

/** Runs a program (not through a shell) in the workspace; throws StepFailed naming it. */
function run(step, command, args, env = process.env) {
  const result = spawnSync(command, args, { cwd: root, stdio: "inherit", env });
  if (result.status === 0) return;
  const why = result.error
    ? result.error.message
    : result.signal === "SIGINT"
      ? "interrupted"
      : result.signal
        ? `killed by ${result.signal}`
        : `exit ${result.status}`;
  const shown = command.startsWith(`${root}${path.sep}`) ? path.relative(root, command) : command;
  throw new StepFailed(`${step} failed (${why}): ${[shown, ...args].join(" ")}`);
}

// 1. The package, from the template.
function create() {
  const template = path.join(here, "sensor-template");
  const copy = (from, to) => {
    for (const entry of readdirSync(from, { withFileTypes: true })) {
      const source = path.join(from, entry.name);
      const name = entry.name.replace("__KIND__", kind).replace(/\.tmpl$/, "");
      if (entry.isDirectory()) {
        mkdirSync(path.join(to, name), { recursive: true });
        copy(source, path.join(to, name));
      } else {
        writeFileSync(path.join(to, name), readFileSync(source, "utf8").replaceAll("__KIND__", kind));
      }
    }
  };
  mkdirSync(target, { recursive: true });
  copy(template, target);

  // 2. The sensor reader loads every @roomguard/sensor-* it depends on: one generated line.
  const editJson = (file, change) => {
    const data = JSON.parse(before.get(file).toString("utf8"));
    change(data);
    writeFileSync(path.join(root, file), `${JSON.stringify(data, null, 2)}\n`);
  };
  editJson("packages/sensors/package.json", (manifest) => {
    manifest.dependencies[`@roomguard/sensor-${kind}`] = "workspace:*";
    manifest.dependencies = Object.fromEntries(Object.entries(manifest.dependencies).sort(([a], [b]) => a.localeCompare(b)));
  });
  // 3. The build (tsc -b from the root) includes the new package.
  editJson("tsconfig.json", (config) => {
    const references = config.references;
    const at = references.findIndex((reference) => reference.path === "packages/sensors");
    references.splice(at < 0 ? references.length : at, 0, { path: relativeTarget });
  });
}

let installStarted = false;
let pnpm;

function rollBack() {
  for (const [file, content] of before) writeFileSync(path.join(root, file), content);
  rmSync(target, { recursive: true, force: true });
  if (!installStarted) return true;
  // The failed install may have linked the new package into node_modules: put node_modules back
  // to the restored lockfile (from the store, as `npm start` would). Untracked; best effort.
  const result = spawnSync(pnpm.command, ["install", "--frozen-lockfile", "--prefer-offline", "--reporter=silent"], {
    cwd: root,
    stdio: "inherit",
    env: installEnv(),
  });
  return result.status === 0;
}

// Ctrl-C (or a closed terminal) reaches pnpm and tsc too: let the step fail and roll back
// instead of dying half-way.
for (const signal of ["SIGINT", "SIGHUP"]) process.on(signal, () => {});

try {
  say(
    `creating ${relativeTarget} (src/index.ts, test/${kind}.test.ts, README.md); adding it to packages/sensors/package.json and tsconfig.json`,
  );
  create();
  pnpm = ensurePnpm(root, say);
  say(`installing (pnpm install, with pnpm ${pnpm.version} from ${pnpm.where === "PATH" ? `PATH: ${pnpm.command}` : ".tools/"})`);
  installStarted = true;
  // A new package changes the lockfile; pnpm freezes it by default where CI=true.
  run("pnpm install", pnpm.command, ["install", "--prefer-offline", "--no-frozen-lockfile"], installEnv());
  say(`building ${relativeTarget} (tsc -b)`);
  run("the build", path.join(root, "node_modules", ".bin", "tsc"), ["-b", relativeTarget]);
} catch (error) {
  const message = error instanceof StepFailed ? error.message : `${error.message ?? error}`;
  process.stderr.write(`new-sensor: ${message}\nnew-sensor: undoing: removing ${relativeTarget}, restoring ${edited.join(", ")}\n`);
  const clean = rollBack();
  process.stderr.write(
    [
      `new-sensor: nothing was added; the checkout is as it was${clean ? "" : " (node_modules still needs `npm start` or `node scripts/setup.mjs` to match pnpm-lock.yaml)"}.`,
      `new-sensor: to retry, fix what failed above (if anything), then run \`npm run new-sensor ${kind}\` again.`,
      "",
    ].join("\n"),
  );
  process.exitCode = 1;
}

if (!process.exitCode) {
  process.stdout.write(
    [
      `new-sensor: created, installed and built ${relativeTarget}`,
      "",
      "next:",
      `  node --test ${relativeTarget}/dist/test/${kind}.test.js   # its test: passes as generated`,
      `  edit ${relativeTarget}/src/index.ts and its test   # your device's options, start, read, stop`,
      "  npm run build && npm test   # after editing (with pnpm: pnpm build && pnpm test)",
      "  add it to roomguard.yaml, then npm start:",
      "    sensors:",
      `      - { id: my-${kind}, kind: ${kind}, pin: 17 }`,
      "  guide: docs/adding-a-sensor.md",
      "",
    ].join("\n"),
  );
}

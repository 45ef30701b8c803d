#!/usr/bin/env node
// `pnpm new-sensor <kind>`: creates packages/sensor-<kind> from scripts/sensor-template (a
// sensor, a test against the simulated board, a README with a wiring section), adds it to
// the sensor reader's dependencies and to the build, and installs. Nothing else changes.
//   --root DIR      the workspace to write into (default: this checkout)
//   --no-install    skip `pnpm install` (the caller runs it)
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const here = path.dirname(fileURLToPath(import.meta.url));
const { values, positionals } = parseArgs({
  options: { root: { type: "string" }, "no-install": { type: "boolean" } },
  allowPositionals: true,
});
const root = path.resolve(values.root ?? path.join(here, ".."));
const [kind] = positionals;

function fail(message) {
  process.stderr.write(`new-sensor: ${message}\n`);
  process.exit(64);
}

if (!kind || positionals.length > 1) fail("usage: pnpm new-sensor <kind>   (e.g. pnpm new-sensor sht31)");
if (!/^[a-z][a-z0-9-]*$/.test(kind)) fail(`expected a kind of lower-case letters, digits and - (like sht31 or hc-sr04), got "${kind}"`);
if (kind === "kit") fail(`"kit" is taken by sensor-kit`);
const target = path.join(root, "packages", `sensor-${kind}`);
if (existsSync(target)) fail(`packages/sensor-${kind} already exists`);

// 1. The package, from the template.
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
  const data = JSON.parse(readFileSync(file, "utf8"));
  change(data);
  writeFileSync(file, `${JSON.stringify(data, null, 2)}\n`);
};
editJson(path.join(root, "packages", "sensors", "package.json"), (manifest) => {
  manifest.dependencies[`@roomguard/sensor-${kind}`] = "workspace:*";
  manifest.dependencies = Object.fromEntries(Object.entries(manifest.dependencies).sort(([a], [b]) => a.localeCompare(b)));
});
// 3. The build (tsc -b from the root) includes the new package.
editJson(path.join(root, "tsconfig.json"), (config) => {
  const references = config.references;
  const at = references.findIndex((reference) => reference.path === "packages/sensors");
  references.splice(at < 0 ? references.length : at, 0, { path: `packages/sensor-${kind}` });
});
process.stdout.write(`created packages/sensor-${kind} (src/index.ts, test/${kind}.test.ts, README.md)\n`);

if (!values["no-install"]) {
  const pnpm = process.env.npm_execpath && /pnpm/.test(process.env.npm_execpath) ? [process.execPath, process.env.npm_execpath] : ["pnpm"];
  const result = spawnSync(pnpm[0], [...pnpm.slice(1), "install", "--prefer-offline", "--no-frozen-lockfile"], {
    cwd: root,
    stdio: "inherit",
  });
  if (result.status !== 0) fail("pnpm install failed; run it yourself, then pnpm build");
}
process.stdout.write(
  [
    "",
    "next:",
    "  pnpm build && pnpm test                      # the new sensor's test runs with the rest",
    `  edit packages/sensor-${kind}/src/index.ts   # your device's options, start, read, stop`,
    "  add it to roomguard.yaml:",
    "    sensors:",
    `      - { id: my-${kind}, kind: ${kind}, pin: 17 }`,
    "  guide: docs/adding-a-sensor.md",
    "",
  ].join("\n"),
);

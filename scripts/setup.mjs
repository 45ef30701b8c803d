#!/usr/bin/env node
// Gets a fresh checkout ready to run: the pinned pnpm, the dependencies, the build.
// Needs only Node and npm. Fast when everything is already in place.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ensurePnpm, installEnv } from "./pnpm.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const quiet = process.argv.includes("--quiet");

function say(message) {
  if (!quiet) process.stderr.write(`setup: ${message}\n`);
}

function fail(message) {
  process.stderr.write(`setup: ${message}\n`);
  process.exit(1);
}

function run(command, args, env = process.env) {
  const result = spawnSync(command, args, { cwd: root, stdio: "inherit", env });
  if (result.status !== 0) fail(`${path.basename(command)} ${args.join(" ")} failed (exit ${result.status ?? result.signal})`);
}

const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 20 || (major === 20 && minor < 10)) fail(`roomguard needs Node 20.10 or newer; this is ${process.version}.`);

// 1. pnpm, the version pinned in package.json: on PATH if it matches, else private to this checkout.
let pnpm;
try {
  pnpm = ensurePnpm(root, say).command;
} catch (error) {
  fail(error.message);
}

// 2. Dependencies (with the system's Node headers for node-gyp when it has them).
const installed = existsSync(path.join(root, "node_modules", ".modules.yaml"));
if (!installed) say("installing dependencies");
run(pnpm, ["install", "--frozen-lockfile", ...(installed ? ["--reporter=silent"] : [])], installEnv());

// 3. Build: tsc -b only recompiles what changed.
run(path.join(root, "node_modules", ".bin", "tsc"), ["-b"]);

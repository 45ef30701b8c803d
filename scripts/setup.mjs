#!/usr/bin/env node
// Gets a fresh checkout ready to run: the pinned pnpm, the dependencies, the build.
// Needs only Node and npm. Fast when everything is already in place.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const manifest = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8"));
const pnpmVersion = manifest.packageManager.replace(/^pnpm@/, "").replace(/\+.*$/, "");
const localPnpm = path.join(root, ".tools", "node_modules", ".bin", "pnpm");
const quiet = process.argv.includes("--quiet");

function say(message) {
  if (!quiet) process.stderr.write(`setup: ${message}\n`);
}

function fail(message) {
  process.stderr.write(`setup: ${message}\n`);
  process.exit(1);
}

function versionOf(command) {
  try {
    return execFileSync(command, ["--version"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return undefined;
  }
}

function run(command, args, env = process.env) {
  const result = spawnSync(command, args, { cwd: root, stdio: "inherit", env });
  if (result.status !== 0) fail(`${path.basename(command)} ${args.join(" ")} failed (exit ${result.status ?? result.signal})`);
}

const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 20 || (major === 20 && minor < 10)) fail(`roomguard needs Node 20.10 or newer; this is ${process.version}.`);

// 1. pnpm, the version pinned in package.json: on PATH if it matches, else private to this checkout.
let pnpm = versionOf("pnpm") === pnpmVersion ? "pnpm" : localPnpm;
if (pnpm === localPnpm && versionOf(localPnpm) !== pnpmVersion) {
  say(`installing pnpm ${pnpmVersion} into .tools/ (once)`);
  run("npm", [
    "install",
    "--prefix",
    path.join(root, ".tools"),
    "--no-save",
    "--no-audit",
    "--no-fund",
    "--loglevel=error",
    `pnpm@${pnpmVersion}`,
  ]);
  pnpm = localPnpm;
}

// 2. Dependencies. node-gyp cannot download Node's headers offline: point it at the system's.
const env = { ...process.env };
if (!env.npm_config_nodedir && existsSync("/usr/include/node/node.h")) env.npm_config_nodedir = "/usr";
const installed = existsSync(path.join(root, "node_modules", ".modules.yaml"));
if (!installed) say("installing dependencies");
run(pnpm, ["install", "--frozen-lockfile", ...(installed ? ["--reporter=silent"] : [])], env);

// 3. Build: tsc -b only recompiles what changed.
run(path.join(root, "node_modules", ".bin", "tsc"), ["-b"]);

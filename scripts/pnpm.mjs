// The pinned pnpm (package.json's packageManager) and the environment to install with: the one
// place scripts/setup.mjs and scripts/new-sensor.mjs find, install and run pnpm.
// pnpm 12 is a native program: run it as one, never with `node` (npm_execpath is no help).
import { execFileSync, spawnSync } from "node:child_process";
import { accessSync, constants, existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";

/** The pnpm version pinned in the workspace's package.json (`packageManager: pnpm@X.Y.Z`). */
export function pinnedPnpmVersion(root) {
  const manifest = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8"));
  return manifest.packageManager.replace(/^pnpm@/, "").replace(/\+.*$/, "");
}

/** Where scripts/setup.mjs puts the pinned pnpm when there is none on PATH: private to the checkout. */
export function localPnpmPath(root) {
  return path.join(root, ".tools", "node_modules", ".bin", "pnpm");
}

/** The first executable `name` on PATH, as a full path (so messages can say which one). */
function onPath(name) {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

function versionOf(command) {
  try {
    return execFileSync(command, ["--version"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return undefined;
  }
}

/**
 * The pinned pnpm if it is already here: the one on PATH when its version matches, else
 * .tools/'s copy. `{ command, where }` (where: "PATH" or ".tools"), or undefined.
 */
export function findPnpm(root) {
  const version = pinnedPnpmVersion(root);
  const global = onPath("pnpm");
  if (global && versionOf(global) === version) return { command: global, where: "PATH", version };
  const local = localPnpmPath(root);
  if (versionOf(local) === version) return { command: local, where: ".tools", version };
  return undefined;
}

/** The npm command that puts the pinned pnpm into .tools/, as words (also for messages). */
export function localPnpmInstallCommand(root) {
  return [
    "npm",
    "install",
    "--prefix",
    ".tools",
    "--no-save",
    "--no-audit",
    "--no-fund",
    "--loglevel=error",
    `pnpm@${pinnedPnpmVersion(root)}`,
  ];
}

/**
 * findPnpm, else installs the pinned pnpm into .tools/ with npm (needs only Node and npm; works
 * offline from npm's cache). `say` reports progress. Throws an Error that says what to run when
 * npm cannot install it.
 */
export function ensurePnpm(root, say) {
  const found = findPnpm(root);
  if (found) return found;
  const version = pinnedPnpmVersion(root);
  const [npm, ...args] = localPnpmInstallCommand(root);
  say(`installing pnpm ${version} into .tools/ (once)`);
  const result = spawnSync(npm, args, { cwd: root, stdio: "inherit" });
  const local = localPnpmPath(root);
  if (result.status !== 0 || versionOf(local) !== version) {
    const why = result.error ? result.error.message : `exit ${result.status ?? result.signal}`;
    throw new Error(
      `could not install pnpm ${version} into .tools/ (${why}); run \`${[npm, ...args].join(" ")}\` in ${root}, or install it for everybody with \`npm install -g pnpm@${version}\``,
    );
  }
  return { command: local, where: ".tools", version };
}

/**
 * The environment for `pnpm install`: node-gyp (native addons) cannot download Node's headers
 * offline and pnpm ignores `nodedir` in .npmrc, so point it at the system's when they are there.
 */
export function installEnv(env = process.env) {
  const result = { ...env };
  if (!result.npm_config_nodedir && existsSync("/usr/include/node/node.h")) result.npm_config_nodedir = "/usr";
  return result;
}

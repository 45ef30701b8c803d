import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { SYSTEM_CONFIG_PATH } from "@roomguard/config";

/**
 * Where deploy/install.sh installs roomguard (`releases/<id>`, `current` → the running one). It
 * puts `roomguard` on PATH (/usr/local/bin/roomguard) and runs the appliance as roomguard.service.
 */
export const INSTALL_PREFIX = "/opt/roomguard";

/** What decides how a hint spells a command. */
export interface HintFacts {
  /** The roomguard tree this code runs from (the directory with pnpm-workspace.yaml), or null. */
  root: string | null;
  /** The user's working directory. */
  cwd: string;
  /** The config file in use (absolute), or null/undefined when there is none or it is not known. */
  configFile?: string | null | undefined;
}

/**
 * - `checkout`: a clone of the repository, where `roomguard` is not on PATH: `npx roomguard …`, `npm start`.
 * - `installed`: the Pi's installation (under {@link INSTALL_PREFIX}, or its config
 *   /etc/roomguard/config.yaml): `roomguard …`, `sudo systemctl start roomguard`.
 * - `other`: anywhere else: `roomguard …`, `roomguard start`.
 */
export type HintPlace = "checkout" | "installed" | "other";

/** Commands as the user should type them where they are. */
export interface Hints {
  readonly place: HintPlace;
  /**
   * `roomguard <args>` spelled for here: `npx roomguard status`, `roomguard status --config /x.yaml`, …
   * `withConfig: false` leaves `--config` out (for `help`).
   */
  command: (args: string, withConfig?: boolean) => string;
  /** How to start the whole appliance here: `npm start`, `sudo systemctl start roomguard`, `roomguard start`. */
  start: () => string;
  /** "Is roomguard running? Start it with `…`" and, on an installed Pi, where to look when it stopped; no final stop. */
  startAdvice: () => string;
}

/** The directory with pnpm-workspace.yaml at or above `from`, or null. */
export function workspaceRoot(from: string): string | null {
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, "pnpm-workspace.yaml"))) return dir;
    if (path.dirname(dir) === dir) return null;
  }
}

/** The facts of this process: the tree this module is in and the working directory. */
export function hereFacts(configFile?: string | null): HintFacts {
  return { root: workspaceRoot(path.dirname(fileURLToPath(import.meta.url))), cwd: process.cwd(), configFile };
}

/** Where a user is, from the facts. */
export function hintPlace(facts: HintFacts): HintPlace {
  const underInstall = facts.root !== null && (facts.root + path.sep).startsWith(INSTALL_PREFIX + path.sep);
  if (underInstall || facts.configFile === SYSTEM_CONFIG_PATH) return "installed";
  return facts.root !== null ? "checkout" : "other";
}

/**
 * The one place that decides how hints spell commands. Commands repeat `--config FILE` when the
 * config in use is not the one they would find by themselves from where they run.
 */
export function createHints(facts: HintFacts): Hints {
  const place = hintPlace(facts);
  const root = facts.root ?? facts.cwd;
  // npx and npm start work from the checkout's root (or a directory under it without a package.json).
  const cd = place === "checkout" && npmProjectOf(facts.cwd) !== root ? `cd ${quote(root)} && ` : "";
  const runsIn = cd === "" ? facts.cwd : root;
  const found = existsSync(path.join(runsIn, "roomguard.yaml")) ? path.join(runsIn, "roomguard.yaml") : SYSTEM_CONFIG_PATH;
  const config = facts.configFile && facts.configFile !== found ? ` --config ${quote(facts.configFile)}` : "";
  const command = (args: string, withConfig = true): string =>
    `${cd}${place === "checkout" ? "npx roomguard" : "roomguard"} ${args}${withConfig ? config : ""}`;
  const start = (): string => {
    if (place === "checkout") return `${cd}npm start${config === "" ? "" : ` --${config}`}`;
    // The unit runs the appliance of /etc/roomguard/config.yaml.
    if (place === "installed" && (config === "" || facts.configFile === SYSTEM_CONFIG_PATH)) return "sudo systemctl start roomguard";
    return command("start");
  };
  return {
    place,
    command,
    start,
    startAdvice: () =>
      `Is roomguard running? Start it with \`${start()}\`` +
      (place === "installed" ? " (`systemctl status roomguard` says why it stopped)" : ""),
  };
}

/** The directory npm takes as the project from `cwd`: the nearest with a package.json or node_modules. */
function npmProjectOf(cwd: string): string | null {
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, "package.json")) || existsSync(path.join(dir, "node_modules"))) return dir;
    if (path.dirname(dir) === dir) return null;
  }
}

function quote(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, "'\\''")}'`;
}

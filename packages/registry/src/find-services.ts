import { existsSync, readdirSync, readFileSync, realpathSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { SERVICE_NAME_PATTERN } from "@roomguard/config";

/**
 * A service package, as it declares itself in its package.json:
 *
 * ```json
 * "roomguard": { "service": { "main": "./dist/src/main.js", "check": "./dist/src/check.js",
 *                             "enabledByDefault": true, "startOrder": 20 } }
 * ```
 *
 * A service that runs only when its part of the config says so declares `"enabledWhen": "mqtt.url"`.
 *
 * The name is the package's (`@roomguard/keypad` → `keypad`) unless `name` says otherwise.
 */
export interface ServiceEntry {
  /** `keypad`: in `launcher.services`, heartbeats, `CONTROL:` and `roomguard ctl`. */
  name: string;
  /** The package's description, for `roomguard check` and status. */
  description: string;
  /** The package's directory. */
  dir: string;
  /** Absolute path of the program the launcher runs (`node <main> --config FILE`). */
  main: string;
  /** Absolute path of its check module (exports `checkConfig`, see ServiceCheck), if it has one. */
  check: string | undefined;
  /** Started when the config does not list `launcher.services`. */
  enabledByDefault: boolean;
  /** A config key (`mqtt.url`) that, when set (not null, not empty), turns the service on by default too. */
  enabledWhen: string | undefined;
  /** Lower starts earlier when the services are not listed; ties go by name. */
  startOrder: number;
  /** Always runs, first, and is never named in `launcher.services` (the router: the bus itself). */
  always: boolean;
}

/** A package.json whose service declaration is wrong, or two packages claiming one name. */
export class RegistryError extends Error {
  readonly code = "EREGISTRY";
  override readonly name = "RegistryError";
}

/** The installation this file belongs to: the directory above it that holds pnpm-workspace.yaml. */
export function installationRoot(from: string = fileURLToPath(import.meta.url)): string {
  for (let dir = path.dirname(realpathSync(from)); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, "pnpm-workspace.yaml"))) return dir;
    if (path.dirname(dir) === dir)
      throw new RegistryError(`no pnpm-workspace.yaml above ${from}: is this a roomguard checkout or release?`);
  }
}

/**
 * Every service package of the installation (`<root>/packages/*` with a `roomguard.service`
 * block), in start order: the ones that always run first, then by `startOrder` and name.
 * Throws a {@link RegistryError} naming the package.json and key of a wrong declaration.
 */
export function findServices(root: string = installationRoot()): ServiceEntry[] {
  const packages = path.join(root, "packages");
  const found = new Map<string, ServiceEntry>();
  for (const name of readdirSync(packages).sort()) {
    const file = path.join(packages, name, "package.json");
    if (!existsSync(file)) continue;
    const entry = readDeclaration(file);
    if (!entry) continue;
    const other = found.get(entry.name);
    if (other) throw new RegistryError(`two packages declare the service "${entry.name}": ${other.dir} and ${entry.dir}`);
    found.set(entry.name, entry);
  }
  return [...found.values()].sort(
    (a, b) => Number(b.always) - Number(a.always) || a.startOrder - b.startOrder || a.name.localeCompare(b.name),
  );
}

function readDeclaration(file: string): ServiceEntry | undefined {
  const manifest = JSON.parse(readFileSync(file, "utf8")) as { name?: unknown; description?: unknown; roomguard?: { service?: unknown } };
  const declared = manifest.roomguard?.service;
  if (declared === undefined) return undefined;
  const where = `${file}: roomguard.service`;
  if (typeof declared !== "object" || declared === null)
    throw new RegistryError(`${where}: expected an object, got ${JSON.stringify(declared)}`);
  const {
    name,
    main,
    check,
    enabledByDefault = false,
    enabledWhen,
    startOrder = 100,
    always = false,
    ...unknown
  } = declared as Record<string, unknown>;
  const extra = Object.keys(unknown);
  if (extra.length > 0)
    throw new RegistryError(
      `${where}: unknown key ${extra.join(", ")}; known: name, main, check, enabledByDefault, enabledWhen, startOrder, always`,
    );
  const packageName = typeof manifest.name === "string" ? manifest.name.replace(/^@roomguard\//, "") : "";
  const serviceName = name ?? packageName;
  if (typeof serviceName !== "string" || !SERVICE_NAME_PATTERN.test(serviceName))
    throw new RegistryError(`${where}.name: expected a service name like "music-player", got ${JSON.stringify(serviceName)}`);
  const dir = path.dirname(file);
  const modulePath = (key: string, value: unknown): string => {
    if (typeof value !== "string" || !value.startsWith("./"))
      throw new RegistryError(
        `${where}.${key}: expected a path in the package such as "./dist/src/${key}.js", got ${JSON.stringify(value)}`,
      );
    return path.join(dir, value);
  };
  if (typeof enabledByDefault !== "boolean") throw new RegistryError(`${where}.enabledByDefault: expected true or false`);
  if (enabledWhen !== undefined && (typeof enabledWhen !== "string" || !/^[a-zA-Z]\w*(\.[a-zA-Z]\w*)*$/.test(enabledWhen)))
    throw new RegistryError(`${where}.enabledWhen: expected a config key such as "mqtt.url", got ${JSON.stringify(enabledWhen)}`);
  if (typeof always !== "boolean") throw new RegistryError(`${where}.always: expected true or false`);
  if (typeof startOrder !== "number" || !Number.isFinite(startOrder)) throw new RegistryError(`${where}.startOrder: expected a number`);
  return {
    name: serviceName,
    description: typeof manifest.description === "string" ? manifest.description : "",
    dir,
    main: modulePath("main", main),
    check: check === undefined ? undefined : modulePath("check", check),
    enabledByDefault,
    enabledWhen,
    startOrder,
    always,
  };
}

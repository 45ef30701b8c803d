import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { SensorDefinition } from "./define-sensor.js";

/** The sensor packages a program can run, by kind and alias. */
export interface SensorCatalog {
  resolve(kindOrAlias: string): SensorDefinition | undefined;
  /** Every sensor, once each, in the order loaded. */
  definitions(): SensorDefinition[];
  /** `bme280 (also bme-280)` lines for messages and STATUS. */
  describe(): string[];
}

/** Builds a catalog; a kind or alias claimed twice is an error naming both packages. */
export function createCatalog(entries: Array<{ from: string; definition: SensorDefinition }>): SensorCatalog {
  const byName = new Map<string, { from: string; definition: SensorDefinition }>();
  for (const entry of entries) {
    for (const name of [entry.definition.kind, ...entry.definition.aliases]) {
      const taken = byName.get(name);
      if (taken) throw new Error(`sensor kind "${name}" is claimed by both ${taken.from} and ${entry.from}`);
      byName.set(name, entry);
    }
  }
  return {
    resolve: (name) => byName.get(name)?.definition,
    definitions: () => entries.map(({ definition }) => definition),
    describe: () =>
      entries.map(({ definition }) =>
        definition.aliases.length > 0 ? `${definition.kind} (also ${definition.aliases.join(", ")})` : definition.kind,
      ),
  };
}

const loaded = new Map<string, Promise<SensorCatalog>>();

/**
 * Loads the sensor packages a package.json depends on (every `@roomguard/sensor-*` but the
 * kit), resolved from that package's directory. The sensor reader's package.json is the list of
 * installed sensors (`npm run new-sensor` adds to it), so adding a sensor touches no source: the
 * reader passes its own, and a service that wants the sensors' declarations (the MQTT bridge)
 * passes the reader's, found with the registry, rather than a list of its own.
 *
 * Loaded once per process and manifest (the same promise every time). Rejects when the manifest
 * cannot be read, a package cannot be loaded, exports no `sensor`, or two claim one kind.
 */
export function loadInstalledSensors(manifest: URL | string): Promise<SensorCatalog> {
  const file = manifest instanceof URL ? fileURLToPath(manifest) : manifest;
  let catalog = loaded.get(file);
  if (!catalog) {
    catalog = loadSensorPackages(file);
    loaded.set(file, catalog);
  }
  return catalog;
}

async function loadSensorPackages(file: string): Promise<SensorCatalog> {
  const { dependencies } = JSON.parse(readFileSync(file, "utf8")) as { dependencies?: Record<string, string> };
  const names = Object.keys(dependencies ?? {}).filter((name) => /^@roomguard\/sensor-(?!kit$)/.test(name));
  // From the manifest's own directory: this package does not depend on the sensor packages (they depend on it).
  const fromManifest = createRequire(file);
  const entries: Array<{ from: string; definition: SensorDefinition }> = [];
  for (const name of names.sort()) {
    const module = (await import(pathToFileURL(fromManifest.resolve(name)).href)) as { sensor?: SensorDefinition };
    if (!module.sensor || typeof module.sensor.create !== "function")
      throw new Error(`${name} exports no sensor (expected: export const sensor = defineSensor({…}))`);
    entries.push({ from: name, definition: module.sensor });
  }
  return createCatalog(entries);
}

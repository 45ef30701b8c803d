import { readFileSync } from "node:fs";
import type { SensorDefinition } from "@roomguard/sensor-kit";

/** The sensor packages this reader can run, by kind and alias. */
export interface SensorCatalog {
  resolve(kindOrAlias: string): SensorDefinition | undefined;
  /** `bme280 (alias …)` lines for messages and STATUS. */
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
    describe: () =>
      entries.map(({ definition }) =>
        definition.aliases.length > 0 ? `${definition.kind} (also ${definition.aliases.join(", ")})` : definition.kind,
      ),
  };
}

let installed: Promise<SensorCatalog> | undefined;

/**
 * Loads every sensor package this reader depends on (`@roomguard/sensor-*` in its
 * package.json, written by `npm run new-sensor`): adding a sensor touches no source here.
 * Loaded once per process (the same promise every time): main.ts and the config check the
 * registry runs at start both want it.
 */
export function loadInstalledSensors(): Promise<SensorCatalog> {
  return (installed ??= loadSensorPackages());
}

async function loadSensorPackages(): Promise<SensorCatalog> {
  const manifest = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
    dependencies?: Record<string, string>;
  };
  const names = Object.keys(manifest.dependencies ?? {}).filter((name) => /^@roomguard\/sensor-(?!kit$)/.test(name));
  const entries: Array<{ from: string; definition: SensorDefinition }> = [];
  for (const name of names.sort()) {
    const module = (await import(name)) as { sensor?: SensorDefinition };
    if (!module.sensor || typeof module.sensor.create !== "function")
      throw new Error(`${name} exports no sensor (expected: export const sensor = defineSensor({…}))`);
    entries.push({ from: name, definition: module.sensor });
  }
  return createCatalog(entries);
}

import { loadInstalledSensors as loadSensorsOf, type SensorCatalog } from "@roomguard/sensor-kit";

export { createCatalog, type SensorCatalog } from "@roomguard/sensor-kit";

/**
 * The sensor packages this reader depends on (`@roomguard/sensor-*` in its package.json,
 * written by `npm run new-sensor`), loaded once per process: main.ts and the config check the
 * registry runs at start both want it.
 */
export function loadInstalledSensors(): Promise<SensorCatalog> {
  return loadSensorsOf(new URL("../../package.json", import.meta.url));
}

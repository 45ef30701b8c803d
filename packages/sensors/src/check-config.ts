import type { ConfigIssue, RoomguardConfig } from "@roomguard/config";
import type { HardwareUse } from "@roomguard/hal";
import type { CheckConfig, ServiceCheck } from "@roomguard/registry";
import { hardwareOf } from "@roomguard/sensor-kit";
import { loadInstalledSensors, type SensorCatalog } from "./catalog.js";
import { prepareEntries } from "./entries.js";

/** The sensor reader's part of the config check (`roomguard.service.check`), against the installed sensor packages. */
export const checkConfig: CheckConfig = async ({ config }) => sensorsCheck(config.sensors, await loadInstalledSensors());

/** Every entry against its sensor's schema; the pins and buses of the entries that pass. */
export function sensorsCheck(sensors: RoomguardConfig["sensors"], catalog: SensorCatalog): ServiceCheck {
  const issues: ConfigIssue[] = [];
  const hardware: HardwareUse[] = [];
  for (const entry of prepareEntries(sensors, catalog)) {
    const where = `sensors[${entry.id}]`;
    if (!entry.ok) {
      issues.push({ path: where, message: entry.message });
      continue;
    }
    for (const use of hardwareOf(entry.definition, entry.options))
      hardware.push({ ...use, key: use.key ? `${where}.${use.key}` : where, purpose: `${use.purpose} "${entry.id}"` });
  }
  return { issues, hardware };
}

import type { RoomguardConfig } from "@roomguard/config";
import type { BootNeeds, SensorDefinition } from "@roomguard/sensor-kit";
import type { SensorCatalog } from "./catalog.js";
import { prepareEntries } from "./entries.js";

/** What each configured sensor needs from the Pi's boot config; entries the reader would refuse need nothing. */
export function sensorsBootNeeds(sensors: RoomguardConfig["sensors"], catalog: SensorCatalog): Array<BootNeeds & { for: string }> {
  return prepareEntries(sensors, catalog).flatMap((entry) =>
    entry.ok && entry.definition.bootNeeds
      ? [{ for: `sensors[${entry.id}]`, ...entry.definition.bootNeeds(entry.options as Parameters<SensorDefinition["create"]>[0]) }]
      : [],
  );
}

import type { RoomguardConfig } from "@roomguard/config";
import { v, type SensorDefinition } from "@roomguard/sensor-kit";
import type { SensorCatalog } from "./catalog.js";

/** A config entry ready to run, or why it cannot. */
export type PreparedEntry =
  | { ok: true; id: string; definition: SensorDefinition; options: unknown; intervalS: number | undefined }
  | { ok: false; id: string; code: "UNKNOWN_KIND" | "BAD_OPTIONS" | "DUPLICATE"; error: string };

/**
 * Checks each `sensors:` entry against its sensor's own schema. Problems name the entry id and
 * the key; they stop only that sensor.
 */
export function prepareEntries(sensors: RoomguardConfig["sensors"], catalog: SensorCatalog): PreparedEntry[] {
  const ids = new Set<string>();
  const pins = new Map<number, string>();
  return sensors.map((entry): PreparedEntry => {
    const { id, kind, intervalS, ...rest } = entry;
    const where = `sensors[${id}]`;
    if (ids.has(id))
      return { ok: false, id, code: "DUPLICATE", error: `${where}: the id "${id}" is used twice; each sensor needs its own` };
    ids.add(id);
    const definition = catalog.resolve(kind);
    if (!definition) {
      return {
        ok: false,
        id,
        code: "UNKNOWN_KIND",
        error: `${where}.kind: unknown sensor kind "${kind}"; installed: ${catalog.describe().join("; ")}`,
      };
    }
    if (intervalS !== undefined && !(typeof intervalS === "number" && intervalS >= 0.1 && intervalS <= 86_400)) {
      return {
        ok: false,
        id,
        code: "BAD_OPTIONS",
        error: `${where}.intervalS: expected seconds from 0.1 to 86400, got ${JSON.stringify(intervalS)}`,
      };
    }
    const parsed = v.safeParse(definition.options, rest);
    if (!parsed.success) {
      const issue = parsed.issues[0];
      const key = issue.path?.map((item) => String(item.key)).join(".") ?? "";
      const got = issue.input === undefined ? "nothing" : JSON.stringify(issue.input);
      const message =
        issue.type === "strict_object"
          ? `unknown option (a typo?); ${kind} takes: ${Object.keys(definition.options.entries).join(", ")}`
          : `${issue.message}, got ${got}`;
      return { ok: false, id, code: "BAD_OPTIONS", error: `${where}${key ? `.${key}` : ""}: ${message}` };
    }
    const pin = (parsed.output as { pin?: unknown }).pin;
    if (typeof pin === "number") {
      const other = pins.get(pin);
      if (other) return { ok: false, id, code: "BAD_OPTIONS", error: `${where}.pin: BCM ${pin} is already used by sensors[${other}]` };
      pins.set(pin, id);
    }
    return { ok: true, id, definition, options: parsed.output, intervalS: intervalS };
  });
}

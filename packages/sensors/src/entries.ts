import type { ConfigIssue, RoomguardConfig } from "@roomguard/config";
import { checkOptions, describeIssues, type SensorDefinition } from "@roomguard/sensor-kit";
import type { SensorCatalog } from "./catalog.js";

/** A config entry ready to run, or why it cannot. */
export type PreparedEntry =
  | { ok: true; id: string; definition: SensorDefinition; options: unknown; intervalS: number | undefined }
  | {
      ok: false;
      id: string;
      code: "UNKNOWN_KIND" | "BAD_OPTIONS" | "DUPLICATE" | "HARDWARE";
      /** The whole message: `sensors[front].pin: missing (required); door takes: pin (required), …`. */
      error: string;
      /** What is wrong in short, for a status line: `pin: missing (required)`. */
      brief: string;
    };

/**
 * Checks each `sensors:` entry against its sensor's own schema. Problems name the entry id and
 * the key; they stop only that sensor. `hardwareIssues` are the hardware plan's verdicts on the
 * entries' pins (a pin another entry or service has), which refuse an entry that passes.
 */
export function prepareEntries(
  sensors: RoomguardConfig["sensors"],
  catalog: SensorCatalog,
  hardwareIssues: readonly ConfigIssue[] = [],
): PreparedEntry[] {
  const ids = new Set<string>();
  return sensors.map((entry): PreparedEntry => {
    const { id, kind, intervalS, ...rest } = entry;
    const where = `sensors[${id}]`;
    if (ids.has(id)) {
      const brief = `the id "${id}" is used twice`;
      return { ok: false, id, code: "DUPLICATE", error: `${where}: ${brief}; each sensor needs its own`, brief };
    }
    ids.add(id);
    const definition = catalog.resolve(kind);
    if (!definition) {
      return {
        ok: false,
        id,
        code: "UNKNOWN_KIND",
        error: `${where}.kind: unknown sensor kind "${kind}"; installed: ${catalog.describe().join("; ")}`,
        brief: `kind: unknown sensor kind "${kind}"`,
      };
    }
    if (intervalS !== undefined && !(typeof intervalS === "number" && intervalS >= 0.1 && intervalS <= 86_400)) {
      const brief = `intervalS: expected seconds from 0.1 to 86400, got ${JSON.stringify(intervalS)}`;
      return { ok: false, id, code: "BAD_OPTIONS", error: `${where}.${brief}`, brief };
    }
    const checked = checkOptions(definition, rest, kind);
    if (!checked.ok) {
      const error = [describeIssues(checked.issues, where), checked.takes].filter(Boolean).join("; ");
      return { ok: false, id, code: "BAD_OPTIONS", error, brief: describeIssues(checked.issues) };
    }
    const clash = hardwareIssues.find((issue) => issue.path.startsWith(`${where}.`) || issue.path === where);
    if (clash) {
      const brief = `${clash.path.slice(where.length + 1) || "hardware"}: ${clash.message}`;
      return { ok: false, id, code: "HARDWARE", error: `${clash.path}: ${clash.message}`, brief };
    }
    return { ok: true, id, definition, options: checked.options, intervalS: intervalS };
  });
}

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
      /** What follows the entry's path (`sensors[front]`) in `error`: `pin: missing (required); door takes: …`. */
      message: string;
      /** What is wrong in short, for a status line: `pin: missing (required)`. */
      brief: string;
    };

type Refusal = Extract<PreparedEntry, { ok: false }>;

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
    // `message` follows the path: after a `.` when it starts with one of the entry's keys, else after `: `.
    const refuse = (code: Refusal["code"], message: string, brief: string, onKey: boolean): Refusal => ({
      ok: false,
      id,
      code,
      error: `${where}${onKey ? "." : ": "}${message}`,
      message,
      brief,
    });
    if (ids.has(id)) {
      const brief = `the id "${id}" is used twice`;
      return refuse("DUPLICATE", `${brief}; each sensor needs its own`, brief, false);
    }
    ids.add(id);
    const definition = catalog.resolve(kind);
    if (!definition) {
      const brief = `kind: unknown sensor kind "${kind}"`;
      return refuse("UNKNOWN_KIND", `${brief}; installed: ${catalog.describe().join("; ")}`, brief, true);
    }
    if (intervalS !== undefined && !(typeof intervalS === "number" && intervalS >= 0.1 && intervalS <= 86_400)) {
      const brief = `intervalS: expected seconds from 0.1 to 86400, got ${JSON.stringify(intervalS)}`;
      return refuse("BAD_OPTIONS", brief, brief, true);
    }
    const checked = checkOptions(definition, rest, kind);
    if (!checked.ok) {
      // The error names every issue with its full path: the message leaves out only the first's, which is the entry's.
      const [first, ...more] = checked.issues;
      const lead = first && (first.key ? `${first.key}: ${first.message}` : first.message);
      const message = [lead, describeIssues(more, where), checked.takes].filter(Boolean).join("; ");
      return refuse("BAD_OPTIONS", message, describeIssues(checked.issues), Boolean(first?.key));
    }
    const clash = hardwareIssues.find((issue) => issue.path.startsWith(`${where}.`) || issue.path === where);
    if (clash) {
      const key = clash.path.slice(where.length + 1);
      return refuse("HARDWARE", key ? `${key}: ${clash.message}` : clash.message, `${key || "hardware"}: ${clash.message}`, key !== "");
    }
    return { ok: true, id, definition, options: checked.options, intervalS: intervalS };
  });
}

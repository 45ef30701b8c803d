import { RequestRefused } from "@roomguard/bus";
import type { ArmMode, Source } from "./types.js";

const SOURCES: readonly Source[] = ["keypad", "dashboard", "homeassistant", "cli"];
const MODES: readonly ArmMode[] = ["away", "home", "night"];
/** Longest code accepted: longer is no code of ours, and hashing it would cost for nothing. */
const MAX_CODE_LENGTH = 64;
/** Most zone names in one request, and the longest name. */
const MAX_ZONES = 256;
const MAX_NAME_LENGTH = 64;
/** `via`: 1 to 64 characters, none of them a control, format or unassigned character (no escapes, no bidi tricks in a log). */
const MAX_VIA_LENGTH = 64;
const PRINTABLE = new RegExp(`^[^\\p{C}]{1,${MAX_VIA_LENGTH}}$`, "u");
/** `history`: events per answer, at most and by default. */
export const MAX_HISTORY_LIMIT = 500;
export const DEFAULT_HISTORY_LIMIT = 100;
/** Longest `before` accepted: an ISO time is 24 characters, 30 with a zone offset. */
const MAX_TIME_LENGTH = 40;
/** A date and a time of day, with seconds and a zone optional (what Date.parse reads in ISO form). */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?$/;

export interface RequestArgs {
  source: Source;
  /** Who passed the request on (`web:anna`), when the sender says: audited with the events it causes. */
  via: string | undefined;
  code: string;
  mode: ArmMode;
  bypass: string[] | "open" | "none";
  zones: string[];
}

/**
 * A request's arguments, checked: `source` always; `code`, `mode`, `bypass`, `zones` where `wanted`
 * says. A wrong shape is a `bad-request` naming the argument (and never echoing a code).
 */
export function requestArgs(raw: Record<string, unknown>, wanted: { code?: true; mode?: true; bypass?: true; zones?: true }): RequestArgs {
  const bad = (message: string): RequestRefused => new RequestRefused(message, "bad-request");
  const { source, code, mode, bypass, zones, via } = raw;
  if (typeof source !== "string" || !(SOURCES as readonly string[]).includes(source))
    throw bad(`expected "source" to be one of ${SOURCES.join(", ")}`);
  if (via !== undefined && (typeof via !== "string" || !PRINTABLE.test(via)))
    throw bad(`expected "via" to be a string of 1 to ${MAX_VIA_LENGTH} printable characters`);
  if (wanted.code && (typeof code !== "string" || code.length === 0 || code.length > MAX_CODE_LENGTH))
    throw bad(`expected "code" to be a string of 1 to ${MAX_CODE_LENGTH} characters`);
  if (wanted.mode && (typeof mode !== "string" || !(MODES as readonly string[]).includes(mode)))
    throw bad(`expected "mode" to be one of ${MODES.join(", ")}`);
  const names = (value: unknown, what: string): string[] => {
    if (
      !Array.isArray(value) ||
      value.length > MAX_ZONES ||
      !value.every((name) => typeof name === "string" && name.length <= MAX_NAME_LENGTH)
    )
      throw bad(`expected "${what}" to be a list of zone names`);
    return value as string[];
  };
  return {
    source: source as Source,
    via,
    code: wanted.code ? (code as string) : "",
    mode: (wanted.mode ? mode : "away") as ArmMode,
    bypass: !wanted.bypass || bypass === undefined || bypass === false ? "none" : bypass === true ? "open" : names(bypass, "bypass"),
    zones: wanted.zones ? names(zones, "zones") : [],
  };
}

/**
 * The `history` request's arguments, checked: `source` as every request's; `limit` an integer from
 * 1 to 500 (default 100); `before` an ISO time (`2026-12-02T08:00:00.000Z`), as epoch ms.
 */
export function historyArgs(raw: Record<string, unknown>): { source: Source; limit: number; before: number | undefined } {
  const bad = (message: string): RequestRefused => new RequestRefused(message, "bad-request");
  const { source } = requestArgs(raw, {});
  const { limit = DEFAULT_HISTORY_LIMIT, before } = raw;
  if (typeof limit !== "number" || !Number.isInteger(limit) || limit < 1 || limit > MAX_HISTORY_LIMIT)
    throw bad(`expected "limit" to be an integer from 1 to ${MAX_HISTORY_LIMIT}`);
  let at: number | undefined;
  if (before !== undefined) {
    at = typeof before === "string" && before.length <= MAX_TIME_LENGTH && ISO_TIME.test(before) ? Date.parse(before) : NaN;
    if (Number.isNaN(at)) throw bad(`expected "before" to be an ISO time such as 2026-12-02T08:00:00.000Z`);
  }
  return { source, limit, before: at };
}

import { RequestRefused } from "@roomguard/bus";
import type { ArmMode, Source } from "./types.js";

const SOURCES: readonly Source[] = ["keypad", "dashboard", "homeassistant", "cli"];
const MODES: readonly ArmMode[] = ["away", "home", "night"];
/** Longest code accepted: longer is no code of ours, and hashing it would cost for nothing. */
const MAX_CODE_LENGTH = 64;
/** Most zone names in one request, and the longest name. */
const MAX_ZONES = 256;
const MAX_NAME_LENGTH = 64;

export interface RequestArgs {
  source: Source;
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
  const { source, code, mode, bypass, zones } = raw;
  if (typeof source !== "string" || !(SOURCES as readonly string[]).includes(source))
    throw bad(`expected "source" to be one of ${SOURCES.join(", ")}`);
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
    code: wanted.code ? (code as string) : "",
    mode: (wanted.mode ? mode : "away") as ArmMode,
    bypass: !wanted.bypass || bypass === undefined || bypass === false ? "none" : bypass === true ? "open" : names(bypass, "bypass"),
    zones: wanted.zones ? names(zones, "zones") : [],
  };
}

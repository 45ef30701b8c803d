import { keypadKeyNames, type RoomguardConfig } from "@roomguard/config";

export type CodeEntryConfig = RoomguardConfig["keypad"]["codeEntry"];

/** The arm modes of the alarm's `arm` request, by the config key of the key that asks for it. */
export const ARM_KEYS = { armAway: "away", armHome: "home", armNight: "night" } as const;

/** The keys that send a typed code: the three arm modes and disarm. */
export const COMMAND_KEYS = ["armAway", "armHome", "armNight", "disarm"] as const;
export type CommandKey = (typeof COMMAND_KEYS)[number];

/** `0`-`9`: the keys that type a code. */
export function isDigitKey(name: string): boolean {
  return /^[0-9]$/.test(name);
}

/** Whether code entry runs: it is on, and the keypad has digit keys to type a code with. */
export function isCodeEntryActive(keypad: RoomguardConfig["keypad"]): boolean {
  return keypad.codeEntry.enabled && keypadKeyNames(keypad).some(isDigitKey);
}

/** `* HOLD` → `{ name: "*", hold: true }`; `D` → `{ name: "D", hold: false }`; null for no panic key or another form. */
export function panicKeyOf(panic: string | null): { name: string; hold: boolean } | null {
  if (panic === null) return null;
  const [name, modifier, extra] = panic.split(" ");
  if (!name || extra !== undefined || (modifier !== undefined && modifier !== "HOLD")) return null;
  return { name, hold: modifier === "HOLD" };
}

import type { RoomguardConfig } from "./schema.js";

/**
 * lala-pi's key map for its USB numeric keypad (keypad.py, an ORTEK keyboard hub): Linux key
 * code → name. Codes 102-111 are what that keypad sends for its keys with its own Num Lock off
 * (Home, Up, PgUp, Left, Right, End, Down, PgDn, Ins, Del); it sends nothing for 5 then. One
 * addition: 96 (KP Enter), the Enter of most keypads (the ORTEK sent 28, the main Enter).
 */
export const LALAPI_USB_KEYS: Readonly<Record<string, string>> = {
  "69": "NL",
  "79": "1",
  "80": "2",
  "81": "3",
  "75": "4",
  "76": "5",
  "77": "6",
  "71": "7",
  "72": "8",
  "73": "9",
  "82": "0",
  "83": ".",
  "28": "ENTER",
  "96": "ENTER",
  "78": "+",
  "74": "-",
  "14": "BS",
  "55": "*",
  "98": "/",
  "111": "_.",
  "110": "_0",
  "107": "_1",
  "108": "_2",
  "109": "_3",
  "105": "_4",
  "106": "_6",
  "102": "_7",
  "103": "_8",
  "104": "_9",
};

/**
 * Code entry's keys on a USB numeric keypad (`keypad.mode: usb`), for those keypad.codeEntry
 * keys the config does not set: the keys printed on every numeric keypad.
 */
export const USB_CODE_ENTRY_KEYS = { armAway: "ENTER", armHome: "+", armNight: "/", disarm: "-", clear: "BS" } as const;

/** `0`-`9` and `.` become `_0`-`_9` and `_.` while Num Lock is off (`keypad.usb.numLock: track`). */
export function numLockOffName(name: string): string {
  return /^[0-9.]$/.test(name) ? `_${name}` : name;
}

/**
 * The key names of the configured keypad (`keypad.buttons`, `keypad.matrix.keys` in matrix mode,
 * the buttons' then the matrix's in both, the names of `keypad.usb.keys` in usb), as `KEY:` and
 * `SIM: press` name them.
 */
export function keypadKeyNames(keypad: RoomguardConfig["keypad"]): string[] {
  if (keypad.mode === "usb") {
    const names = Object.values(keypad.usb.keys);
    const off = keypad.usb.numLock === "track" ? names.map(numLockOffName) : [];
    return [...new Set([...names, ...off])];
  }
  const buttons = keypad.mode === "matrix" ? [] : Object.keys(keypad.buttons);
  const matrix = keypad.mode === "buttons" ? [] : keypad.matrix.keys.flat();
  return [...buttons, ...matrix];
}

/**
 * A config document with the mode's own defaults filled in where the document sets none: in usb
 * mode, code entry's keys are a numeric keypad's ({@link USB_CODE_ENTRY_KEYS}), not the matrix's
 * A/B/C/#/*. Anything the document sets stays; a document of another shape is returned as it is.
 */
export function withKeypadModeDefaults(document: unknown): unknown {
  if (!isRecord(document) || !isRecord(document.keypad) || document.keypad.mode !== "usb") return document;
  const keypad = document.keypad;
  if (keypad.codeEntry !== undefined && !isRecord(keypad.codeEntry)) return document;
  return { ...document, keypad: { ...keypad, codeEntry: { ...USB_CODE_ENTRY_KEYS, ...keypad.codeEntry } } };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

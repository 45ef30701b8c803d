import { KEY_NAME_PATTERN } from "@roomguard/bus";
import { keypadKeyNames, type ConfigIssue, type RoomguardConfig } from "@roomguard/config";
import type { HardwareUse } from "@roomguard/hal";
import type { CheckConfig } from "@roomguard/registry";
import { COMMAND_KEYS, isCodeEntryActive, isDigitKey, panicKeyOf } from "./code-entry-keys.js";
import { KEY_MAX } from "./input-event.js";

/**
 * The keypad's part of the config check (`roomguard.service.check`): its pins go into the
 * hardware plan, which finds pins off the header or used twice, with any other service's.
 */
export const checkConfig: CheckConfig = ({ config }) => ({
  issues: keypadConfigIssues(config.keypad),
  hardware: keypadHardware(config.keypad),
});

/**
 * The pins of the keypad: every button closes to ground, so it is read with a pull-up; in a
 * matrix, the rows are driven and the columns read with pull-ups. In `both` mode, the buttons'
 * then the matrix's: the plan refuses a pin of both, naming the two keys.
 */
export function keypadHardware(keypad: RoomguardConfig["keypad"]): HardwareUse[] {
  const gpio = (pin: number, direction: "in" | "out", pull: "up" | "none", purpose: string, key: string): HardwareUse => ({
    kind: "gpio",
    pin,
    direction,
    pull,
    purpose,
    key,
  });
  const buttons = (): HardwareUse[] =>
    Object.entries(keypad.buttons).map(([name, pin]) => gpio(pin, "in", "up", `button ${name}`, `keypad.buttons.${name}`));
  const matrix = (): HardwareUse[] => {
    const { rows, columns } = keypad.matrix;
    return [
      ...rows.map((pin, i) => gpio(pin, "out", "none", `matrix row ${i + 1}`, `keypad.matrix.rows[${i}]`)),
      ...columns.map((pin, i) => gpio(pin, "in", "up", `matrix column ${i + 1}`, `keypad.matrix.columns[${i}]`)),
    ];
  };
  switch (keypad.mode) {
    case "buttons":
      return buttons();
    case "matrix":
      return matrix();
    case "both":
      return [...buttons(), ...matrix()];
    case "usb":
      // A USB keypad uses no pin: its device's permissions are the input group's (the deploy adds it).
      return [];
  }
}

/**
 * What neither the schema nor the pin plan sees: key names the bus accepts, a key map that fits
 * the matrix, one name for one key across buttons and matrix, and code entry's keys on the keypad.
 */
export function keypadConfigIssues(keypad: RoomguardConfig["keypad"]): ConfigIssue[] {
  const issues = keyIssues(keypad);
  // Code entry's keys are looked for in a key map known to be right: a wrong one is said once.
  return issues.length > 0 ? issues : codeEntryIssues(keypad);
}

function keyIssues(keypad: RoomguardConfig["keypad"]): ConfigIssue[] {
  switch (keypad.mode) {
    case "buttons":
      return buttonIssues(keypad);
    case "matrix":
      return matrixIssues(keypad);
    case "both": {
      // A name on a button and on a matrix key: a press of either would be the same KEY:.
      const shared: ConfigIssue[] = [];
      keypad.matrix.keys.forEach((row, r) =>
        row.forEach((name, c) => {
          if (Object.hasOwn(keypad.buttons, name))
            shared.push({
              path: `keypad.matrix.keys[${r}][${c}]`,
              message: `key "${name}" is keypad.buttons.${name} already: presses of the two could not be told apart`,
            });
        }),
      );
      return [...buttonIssues(keypad), ...matrixIssues(keypad), ...shared];
    }
    case "usb":
      return usbIssues(keypad);
  }
}

function nameIssue(path: string, name: string): ConfigIssue[] {
  return KEY_NAME_PATTERN.test(name)
    ? []
    : [{ path, message: `expected a key name of letters, digits or * # + - . / _ (no spaces), got "${name}"` }];
}

function buttonIssues(keypad: RoomguardConfig["keypad"]): ConfigIssue[] {
  const names = Object.keys(keypad.buttons);
  return [
    ...(names.length === 0 ? [{ path: "keypad.buttons", message: "expected at least one key, got none" }] : []),
    ...names.flatMap((name) => nameIssue(`keypad.buttons.${name}`, name)),
  ];
}

function matrixIssues(keypad: RoomguardConfig["keypad"]): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const { rows, columns, keys } = keypad.matrix;
  if (rows.length === 0 || columns.length === 0)
    issues.push({ path: "keypad.matrix", message: `expected at least one row and one column, got ${rows.length} x ${columns.length}` });
  const shape = keys.map((row) => row.length);
  if (keys.length !== rows.length || shape.some((length) => length !== columns.length)) {
    issues.push({
      path: "keypad.matrix.keys",
      message: `expected ${rows.length} rows of ${columns.length} key names (one per row and column), got rows of ${shape.join(", ") || "none"}`,
    });
  }
  const seen = new Set<string>();
  keys.forEach((row, r) =>
    row.forEach((name, c) => {
      const path = `keypad.matrix.keys[${r}][${c}]`;
      issues.push(...nameIssue(path, name));
      if (seen.has(name)) issues.push({ path, message: `key "${name}" appears twice: presses of the two could not be told apart` });
      seen.add(name);
    }),
  );
  return issues;
}

/** A device path a person can find again, key codes Linux has, and names the bus accepts. */
function usbIssues(keypad: RoomguardConfig["keypad"]): ConfigIssue[] {
  const { device, keys } = keypad.usb;
  const issues: ConfigIssue[] = [];
  if (!device.startsWith("/"))
    issues.push({
      path: "keypad.usb.device",
      message: `expected the keypad's input device, a path such as /dev/input/by-id/usb-<maker>_<model>-event-kbd (ls /dev/input/by-id/ lists them; the one ending in -event-kbd is the keys), got "${device}"`,
    });
  const codes = Object.keys(keys);
  if (codes.length === 0) issues.push({ path: "keypad.usb.keys", message: "expected at least one key code → name, got none" });
  for (const [code, name] of Object.entries(keys)) {
    const path = `keypad.usb.keys.${code}`;
    if (Number(code) > KEY_MAX) issues.push({ path, message: `expected a Linux key code from 0 to ${KEY_MAX}, got ${code}` });
    issues.push(...nameIssue(path, name));
  }
  return issues;
}

/**
 * Code entry's keys, when it runs (on, with digit keys): each one a key this keypad has and not
 * a digit, the command and clear keys all different (one key, one meaning), a panic key in a
 * form it understands.
 */
function codeEntryIssues(keypad: RoomguardConfig["keypad"]): ConfigIssue[] {
  if (!isCodeEntryActive(keypad)) return [];
  const issues: ConfigIssue[] = [];
  const entry = keypad.codeEntry;
  const keys = keypadKeyNames(keypad);
  const where = {
    buttons: "keypad.buttons",
    matrix: "keypad.matrix.keys",
    both: "keypad.buttons and keypad.matrix.keys",
    usb: "keypad.usb.keys",
  }[keypad.mode];
  const checkKey = (setting: string, name: string): void => {
    const path = `keypad.codeEntry.${setting}`;
    if (!keys.includes(name)) issues.push({ path, message: `expected a key of the keypad (${where}: ${keys.join(" ")}), got "${name}"` });
    else if (isDigitKey(name)) issues.push({ path, message: `expected a key that is not a digit (digits type the code), got "${name}"` });
  };
  const taken = new Map<string, string>();
  for (const setting of [...COMMAND_KEYS, "clear"] as const) {
    const name = entry[setting];
    checkKey(setting, name);
    const before = taken.get(name);
    if (before !== undefined)
      issues.push({
        path: `keypad.codeEntry.${setting}`,
        message: `"${name}" is keypad.codeEntry.${before} already: each needs a key of its own`,
      });
    else taken.set(name, setting);
  }
  if (entry.panic !== null) {
    const panic = panicKeyOf(entry.panic);
    if (!panic) issues.push({ path: "keypad.codeEntry.panic", message: `expected a key name or "<KEY> HOLD", got "${entry.panic}"` });
    else {
      checkKey("panic", panic.name);
      const before = taken.get(panic.name);
      if (!panic.hold && before !== undefined)
        issues.push({
          path: "keypad.codeEntry.panic",
          message: `"${panic.name}" is keypad.codeEntry.${before} already: a panic key of its own, or "${panic.name} HOLD"`,
        });
      if (panic.hold && keypad.holdMs === 0)
        issues.push({ path: "keypad.codeEntry.panic", message: `"${entry.panic}" needs keypad.holdMs above 0 (0: keys are never held)` });
    }
  }
  return issues;
}

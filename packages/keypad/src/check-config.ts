import { KEY_NAME_PATTERN } from "@roomguard/bus";
import type { ConfigIssue, RoomguardConfig } from "@roomguard/config";
import { describePin, HEADER_GPIOS, I2C_PINS } from "@roomguard/hal";

/**
 * What the schema cannot see: pins on the header, each pin used once (sensors included),
 * the I2C pins left alone while I2C sensors are configured, key names the bus accepts, and a
 * key map that fits the matrix. Every issue names the key to fix.
 */
export function keypadConfigIssues(config: RoomguardConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const keypad = config.keypad;
  const i2cSensors = config.sensors.filter((sensor) => sensor.i2cAddress !== undefined).map((sensor) => sensor.id);
  const users = new Map<number, string>();
  for (const sensor of config.sensors) if (typeof sensor.pin === "number") users.set(sensor.pin, `sensor "${sensor.id}"`);

  const claim = (path: string, pin: number): void => {
    if (!HEADER_GPIOS.includes(pin) || pin < 2) {
      const why = pin === 0 || pin === 1 ? ": BCM 0 and 1 are reserved for the HAT ID EEPROM" : "";
      issues.push({ path, message: `expected a BCM GPIO on the 40-pin header (2-27), got ${pin}${why}` });
      return;
    }
    if (i2cSensors.length > 0 && (I2C_PINS as readonly number[]).includes(pin)) {
      issues.push({
        path,
        message: `${describePin(pin)} is the I2C bus, used by sensor ${i2cSensors.map((id) => `"${id}"`).join(", ")}: choose another pin`,
      });
      return;
    }
    const user = users.get(pin);
    if (user) issues.push({ path, message: `${describePin(pin)} is already used by ${user}: each pin can do one job` });
    else users.set(pin, path);
  };
  const checkName = (path: string, name: string): void => {
    if (!KEY_NAME_PATTERN.test(name))
      issues.push({ path, message: `expected a key name of letters, digits or * # + - . / _ (no spaces), got "${name}"` });
  };

  if (keypad.mode === "buttons") {
    const entries = Object.entries(keypad.buttons);
    if (entries.length === 0) issues.push({ path: "keypad.buttons", message: "expected at least one key, got none" });
    for (const [name, pin] of entries) {
      checkName(`keypad.buttons.${name}`, name);
      claim(`keypad.buttons.${name}`, pin);
    }
    return issues;
  }

  const { rows, columns, keys } = keypad.matrix;
  if (rows.length === 0 || columns.length === 0)
    issues.push({ path: "keypad.matrix", message: `expected at least one row and one column, got ${rows.length} x ${columns.length}` });
  rows.forEach((pin, i) => claim(`keypad.matrix.rows[${i}]`, pin));
  columns.forEach((pin, i) => claim(`keypad.matrix.columns[${i}]`, pin));
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
      checkName(path, name);
      if (seen.has(name)) issues.push({ path, message: `key "${name}" appears twice: presses of the two could not be told apart` });
      seen.add(name);
    }),
  );
  return issues;
}

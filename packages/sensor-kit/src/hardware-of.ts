import type { HardwareUse } from "@roomguard/hal";
import type { SensorDefinition } from "./define-sensor.js";

/**
 * The pins and buses a configured sensor uses: its definition's `hardware(options)`, or, for a
 * sensor that declares none, what its conventional options say (`pin`: a GPIO input with no
 * pull; `i2cAddress`: a chip on the I2C bus). Keys are the options' names.
 */
export function hardwareOf(definition: SensorDefinition, options: unknown): HardwareUse[] {
  if (definition.hardware) return definition.hardware(options as never);
  const { pin, i2cAddress } = (options ?? {}) as { pin?: unknown; i2cAddress?: unknown };
  const purpose = definition.kind;
  return [
    ...(typeof pin === "number" ? [{ kind: "gpio", pin, direction: "in", pull: "none", purpose, key: "pin" } as const] : []),
    ...(typeof i2cAddress === "number" ? [{ kind: "i2c", address: i2cAddress, purpose, key: "i2cAddress" } as const] : []),
  ];
}

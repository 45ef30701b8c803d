export {
  defineSensor,
  KIND_PATTERN,
  QUANTITY_PATTERN,
  type BinaryDeclaration,
  type BinaryDeviceClass,
  type Measure,
  type OptionsSchema,
  type SensorDefinition,
  type SimulatedBoard,
  type StateClass,
} from "./define-sensor.js";
export { createCatalog, loadInstalledSensors, type SensorCatalog } from "./catalog.js";
export { checkOptions, describeIssues, describeOptions, type CheckedOptions, type OptionIssue } from "./check-options.js";
export { hardwareOf } from "./hardware-of.js";
export { i2cAddressOption, pinOption } from "./options.js";
export { SensorError, type BinaryEvent, type Reading, type Sensor, type SensorContext } from "./types.js";
export * as v from "valibot";
export type { DigitalInput, DigitalOutput, HardwareUse, I2cBus, Level } from "@roomguard/hal";

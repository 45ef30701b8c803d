export { createOnoffHal, type OnoffHalOptions } from "./backends/onoff.js";
export { createRpioHal, type RpioHalOptions } from "./backends/rpio.js";
export { DEVICE_TREE_MODEL, readBoard, type Board } from "./board.js";
export { Debouncer } from "./debounce.js";
export { HalError, type HalErrorCode } from "./errors.js";
export { findHeaderChip, HEADER_CHIP_LABELS, listGpioChips, type GpioChip } from "./gpio-chips.js";
export { describePin, HEADER_GPIOS, headerPin, hexAddress, I2C_PINS, physicalPin, SPECIAL_PINS } from "./header.js";
export {
  bootNeedsOf,
  planHardware,
  type HardwareClaim,
  type HardwarePlan,
  type HardwareUse,
  type PinAssignment,
  type PlanIssue,
} from "./hardware-plan.js";
export { openLinuxI2c } from "./i2c.js";
export { chooseBackend, isSimulatedHardware, openHal, type HardwareConfig, type OpenHalOptions } from "./open-hal.js";
export type {
  BackendName,
  DigitalInput,
  DigitalOutput,
  Edge,
  Hal,
  I2cBus,
  InputOptions,
  Level,
  OutputOptions,
  PwmOptions,
  PwmOutput,
} from "./types.js";

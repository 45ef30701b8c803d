export { createSimHal, isSimHal, type SimHal, type SimHalOptions } from "./sim-hal.js";
export { SimGpio, type Short, type SimPinMode } from "./sim-gpio.js";
export { RegisterMap, SimI2cBus, type SimI2cDevice } from "./sim-i2c.js";

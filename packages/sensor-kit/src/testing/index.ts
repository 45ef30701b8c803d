// For sensor packages' tests: run a sensor on the simulated board.
export { sensorHarness, type SensorHarness } from "./harness.js";

// Helpers for tests and benchmarks of roomguard services: not used at run time.
export { startServiceProcess, type LogLine, type ServiceProcess, type ServiceProcessOptions } from "./service-process.js";

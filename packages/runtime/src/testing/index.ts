// Helpers for tests and benchmarks of roomguard services: not used at run time.
export { formatNumber, processUsage, publishBenchReport, quantile, type BenchReport, type BenchRow } from "./bench-report.js";
export { startServiceProcess, type LogLine, type ServiceProcess, type ServiceProcessOptions } from "./service-process.js";

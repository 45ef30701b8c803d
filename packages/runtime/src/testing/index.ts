// Helpers for tests and benchmarks of roomguard services: not used at run time.
export {
  benchProvenance,
  benchTable,
  formatNumber,
  processUsage,
  quantile,
  writePerformanceSection,
  type BenchRow,
} from "./bench-report.js";
export { startServiceProcess, type LogLine, type ServiceProcess, type ServiceProcessOptions } from "./service-process.js";

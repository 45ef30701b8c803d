export { backoffDelay, type Backoff } from "./backoff.js";
export { systemClock, ManualClock, type Clock, type TimerHandle } from "./clock.js";
export { ExitCode } from "./exit-codes.js";
export {
  createLogger,
  parseLogLine,
  prettyFromJson,
  type LogFields,
  type LogFormat,
  type Logger,
  type LoggerOptions,
  type LogLevel,
} from "./log.js";
export { DEFAULT_SCRYPT_COST, hashSecret, SecretFormatError, storedSecretProblem, verifySecret, type ScryptCost } from "./secrets.js";
export { textTable } from "./text-table.js";
export { configPathFrom, runService, type RunningService, type RunServiceOptions, type ServiceContext } from "./run-service.js";
export {
  findProcesses,
  identityOf,
  isAlive,
  isProcessIdentity,
  isSameProcess,
  memAvailableBytes,
  memoryOf,
  processState,
  readCommandLine,
  readStat,
  statIfSameProcess,
  statusBytes,
  threadsOf,
  type ProcessIdentity,
  type ProcessMemory,
  type ProcStat,
} from "./proc.js";

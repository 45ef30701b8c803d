export { ConfigError, formatIssue, type ConfigIssue } from "./errors.js";
export { applyEnvOverrides, envVariableFor, ENV_PREFIX } from "./env.js";
export {
  findConfigFile,
  loadConfig,
  loadConfigLeniently,
  parseConfigText,
  resolveConfigPath,
  SYSTEM_CONFIG_PATH,
  type LoadConfigOptions,
  type LenientConfig,
  type LoadedConfig,
} from "./load.js";
export { keypadKeyNames, LALAPI_USB_KEYS, numLockOffName, USB_CODE_ENTRY_KEYS, withKeypadModeDefaults } from "./keypad-keys.js";
export { configKeys, configReference, type ConfigKey } from "./reference.js";
export { configSchema, SERVICE_NAME_PATTERN, TOPIC_PATTERN, type RoomguardConfig } from "./schema.js";
export { LALAPI_PORTS, validateConfig, type ValidationResult } from "./validate.js";

export { checkWholeConfig, ownIssues, type CheckOptions, type ConfigCheck, type OwnedIssue } from "./check-whole-config.js";
export { enabledServices } from "./enabled-services.js";
export { findServices, installationRoot, RegistryError, type ServiceEntry } from "./find-services.js";
export type { CheckConfig, HardwareOf, ServiceCheck } from "./service-check.js";

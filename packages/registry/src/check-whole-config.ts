import { pathToFileURL } from "node:url";
import type { ConfigIssue, LoadedConfig } from "@roomguard/config";
import { planHardware, type HardwareClaim, type HardwarePlan } from "@roomguard/hal";
import { enabledServices } from "./enabled-services.js";
import { findServices, type ServiceEntry } from "./find-services.js";
import type { CheckConfig, HardwareOf } from "./service-check.js";

/**
 * An issue, the service whose part of the config it is in (`launcher` for `launcher.services`),
 * and who found it: the service's own check, or the hardware plan (a pin used twice, off the header).
 */
export interface OwnedIssue extends ConfigIssue {
  owner: string;
  foundBy: "check" | "plan";
}

/** The whole config checked: the services it runs, every issue beyond the schema, the pin plan. */
export interface ConfigCheck {
  services: ServiceEntry[];
  issues: OwnedIssue[];
  plan: HardwarePlan;
}

export interface CheckOptions {
  /** The installed services; default: {@link findServices}. */
  services?: readonly ServiceEntry[];
  /** A service to check even when the config does not run it (one started by hand). */
  include?: string;
}

/**
 * Runs every enabled service's check module and lays their hardware out in one plan, so a pin
 * used twice is found whichever services use it. Never throws for the config's sake: a check
 * module that fails is an issue of its service.
 */
export async function checkWholeConfig(loaded: LoadedConfig, options: CheckOptions = {}): Promise<ConfigCheck> {
  return checkServices(loaded, options, () => true);
}

/**
 * {@link checkWholeConfig}, with the full check only of the services `fully` names: for the
 * others, their check module's `hardwareOf` when it has one (their issues are not wanted, only
 * their pins in the plan).
 */
async function checkServices(loaded: LoadedConfig, options: CheckOptions, fully: (service: string) => boolean): Promise<ConfigCheck> {
  const installed = options.services ?? findServices();
  const enabled = enabledServices(loaded.config, installed);
  const issues: OwnedIssue[] = enabled.issues.map((issue) => ({ ...issue, owner: "launcher", foundBy: "check" }));
  const services = [...enabled.services];
  const extra = installed.find((service) => service.name === options.include);
  if (extra && !services.includes(extra)) services.push(extra);

  const claims: HardwareClaim[] = [];
  for (const service of services) {
    if (!service.check) continue;
    try {
      const module = (await import(pathToFileURL(service.check).href)) as { checkConfig?: CheckConfig; hardwareOf?: HardwareOf };
      if (typeof module.checkConfig !== "function") throw new Error(`${service.check} exports no checkConfig function`);
      if (!fully(service.name) && typeof module.hardwareOf === "function") {
        claims.push(...(await module.hardwareOf(loaded)).map((use) => ({ ...use, owner: service.name })));
        continue;
      }
      const result = await module.checkConfig(loaded);
      issues.push(...result.issues.map((issue) => ({ ...issue, owner: service.name, foundBy: "check" as const })));
      claims.push(...result.hardware.map((use) => ({ ...use, owner: service.name })));
    } catch (error) {
      const message = `its config check failed: ${error instanceof Error ? error.message : String(error)}`;
      issues.push({ owner: service.name, foundBy: "check", path: "", message });
    }
  }
  const plan = planHardware(claims);
  issues.push(...plan.issues.map(({ owner, key, message }) => ({ owner, foundBy: "plan" as const, path: key, message })));
  return { services, issues, plan };
}

/**
 * The issues in one service's part of the whole config (its pins clashing with another's
 * included): what that service checks at start. The rest of the config is not its business:
 * of the other services only the hardware is wanted (`hardwareOf` where their check module has it).
 */
export async function ownIssues(
  loaded: LoadedConfig,
  service: string,
  options: Omit<CheckOptions, "include"> & { foundBy?: OwnedIssue["foundBy"] } = {},
): Promise<ConfigIssue[]> {
  const check = await checkServices(loaded, { ...options, include: service }, (name) => name === service);
  return check.issues
    .filter((issue) => issue.owner === service && (options.foundBy === undefined || issue.foundBy === options.foundBy))
    .map(({ path, message }) => ({ path, message }));
}

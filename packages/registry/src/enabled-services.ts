import type { ConfigIssue, RoomguardConfig } from "@roomguard/config";
import type { ServiceEntry } from "./find-services.js";

/**
 * The services this config runs, in start order: the ones that always run (the router), then
 * `launcher.services` as listed, or, when it is not given, every service on by default (or whose
 * `enabledWhen` key is set in this config: not null, false, empty or an empty list). A
 * name no installed package declares is an issue at `launcher.services[i]`, and left out.
 */
export function enabledServices(
  config: RoomguardConfig,
  services: readonly ServiceEntry[],
): { services: ServiceEntry[]; issues: ConfigIssue[] } {
  const always = services.filter((service) => service.always);
  const listed = config.launcher.services;
  if (listed === undefined) return { services: [...always, ...services.filter((s) => !s.always && isOnByDefault(s, config))], issues: [] };
  const issues: ConfigIssue[] = [];
  const chosen: ServiceEntry[] = [];
  const choosable = services.filter((service) => !service.always).map((service) => service.name);
  listed.forEach((name, index) => {
    const service = services.find((candidate) => candidate.name === name);
    const path = `launcher.services[${index}]`;
    if (!service) issues.push({ path, message: `unknown service "${name}"; installed: ${choosable.join(", ") || "none"}` });
    else if (service.always) issues.push({ path, message: `${name} always runs, first: leave it out of the list` });
    else chosen.push(service);
  });
  return { services: [...always, ...chosen], issues };
}

function isOnByDefault(service: ServiceEntry, config: RoomguardConfig): boolean {
  if (service.enabledByDefault) return true;
  if (service.enabledWhen === undefined) return false;
  let value: unknown = config;
  for (const key of service.enabledWhen.split("."))
    value = typeof value === "object" && value !== null ? (value as Record<string, unknown>)[key] : undefined;
  // An empty list (`bridge.remotes: []`, the default) is as unset as an empty string.
  return value !== undefined && value !== null && value !== "" && value !== false && !(Array.isArray(value) && value.length === 0);
}

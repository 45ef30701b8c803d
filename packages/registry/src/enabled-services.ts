import type { ConfigIssue, RoomguardConfig } from "@roomguard/config";
import type { ServiceEntry } from "./find-services.js";

/**
 * The services this config runs, in start order: the ones that always run (the router), then
 * `launcher.services` as listed, or, when it is not given, every service on by default. A
 * name no installed package declares is an issue at `launcher.services[i]`, and left out.
 */
export function enabledServices(
  config: RoomguardConfig,
  services: readonly ServiceEntry[],
): { services: ServiceEntry[]; issues: ConfigIssue[] } {
  const always = services.filter((service) => service.always);
  const listed = config.launcher.services;
  if (listed === undefined) return { services: [...always, ...services.filter((s) => !s.always && s.enabledByDefault)], issues: [] };
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

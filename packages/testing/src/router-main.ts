import { findServices } from "@roomguard/registry";

/**
 * The absolute path of the router's main.js, as the service registry knows it: tests and
 * benchmarks of services need a real router, but services do not depend on each other's packages.
 */
export function routerMain(): string {
  const router = findServices().find((service) => service.name === "router");
  if (!router) throw new Error("the service registry knows no router: is the roomguard.service block in packages/router/package.json?");
  return router.main;
}

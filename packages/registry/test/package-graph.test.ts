// Services depend on libraries only, and the launcher learns them from the registry: what
// keeps adding a service a matter of its own package and a config line (issue 12).
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { findServices, installationRoot } from "../src/index.js";

interface Manifest {
  name: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  exports?: Record<string, unknown>;
}

const root = installationRoot();
const manifestOf = (dir: string): Manifest => JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")) as Manifest;
const services = findServices(root).map((service) => ({ name: service.name, manifest: manifestOf(service.dir) }));
const servicePackages = new Set(services.map((service) => service.manifest.name));
const dependenciesOf = (manifest: Manifest): string[] => [
  ...Object.keys(manifest.dependencies ?? {}),
  ...Object.keys(manifest.devDependencies ?? {}),
];

/** The TypeScript files below `dir`, at any depth (dist and node_modules left out). */
function sourceFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "dist" || entry.name === "node_modules" ? [] : sourceFiles(file);
    return entry.name.endsWith(".ts") ? [file] : [];
  });
}

describe("the package graph", () => {
  it("knows the services it checks", () => {
    assert.ok(services.length >= 4, `the registry finds the services: ${services.map((service) => service.name).join(", ")}`);
    assert.ok(servicePackages.has("@roomguard/router"));
  });

  it("a service depends on libraries only, in its dev dependencies too (none on the router)", () => {
    const onServices = services.flatMap(({ name, manifest }) =>
      dependenciesOf(manifest)
        .filter((dependency) => servicePackages.has(dependency))
        .map((dependency) => `${name} → ${dependency}`),
    );
    assert.deepEqual(onServices, []);
  });

  it("the launcher neither depends on a service package nor imports one, test helpers included", () => {
    const launcher = path.join(root, "packages", "launcher");
    assert.deepEqual(
      dependenciesOf(manifestOf(launcher)).filter((dependency) => servicePackages.has(dependency)),
      [],
    );
    const files = ["src", "test", "bench"].flatMap((dir) => sourceFiles(path.join(launcher, dir)));
    assert.ok(files.length > 10, `the launcher's sources are found (${files.length})`);
    const imports = files.flatMap((file) =>
      [...readFileSync(file, "utf8").matchAll(/["'](@roomguard\/[\w-]+)(\/[\w./-]*)?["']/g)]
        .filter((match) => servicePackages.has(match[1] ?? ""))
        .map((match) => `${path.relative(root, file)}: ${match[0]}`),
    );
    assert.deepEqual(imports, []);
  });

  it("no service exports test rigs: the shared ones are @roomguard/testing's", () => {
    // A service may export what a command needs of it (the alarm's ./audit, the router's ./main), never a ./testing.
    const rigs = services.flatMap(({ name, manifest }) =>
      Object.keys(manifest.exports ?? {})
        .filter((entry) => /test/i.test(entry))
        .map((entry) => `${name}: ${entry}`),
    );
    assert.deepEqual(rigs, []);
  });
});

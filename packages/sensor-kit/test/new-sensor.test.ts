import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";

const REPO = fileURLToPath(new URL("../../../../", import.meta.url));
const GENERATOR = path.join(REPO, "scripts", "new-sensor.mjs");

function run(command: string, args: string[], cwd: string): { status: number | null; output: string } {
  // Without NODE_TEST_CONTEXT, or the inner `node --test` would think it is nested and skip its files.
  const env = { ...process.env };
  delete env.NODE_TEST_CONTEXT;
  const result = spawnSync(command, args, { cwd, encoding: "utf8", env: { ...env, npm_config_nodedir: "/usr" } });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

/** The pinned pnpm: the one set-up put in .tools/, else the one on the PATH. */
function pnpm(): string {
  const local = path.join(REPO, ".tools", "node_modules", ".bin", "pnpm");
  return existsSync(local) ? local : "pnpm";
}

/** A copy of this checkout without installed or built files: the generator's playground. */
function scratchCopy(): string {
  const scratch = mkdtempSync(path.join(tmpdir(), "roomguard-new-sensor-"));
  cpSync(REPO, scratch, {
    recursive: true,
    filter: (source) => !/(^|\/)(node_modules|\.git|dist|\.tools|var)(\/|$)/.test(path.relative(REPO, source)),
  });
  return scratch;
}

describe("pnpm new-sensor", { timeout: 180_000 }, () => {
  it("creates a sensor package that installs, builds, lints and passes its test as generated, and the reader loads it", () => {
    const scratch = scratchCopy();
    const generated = run(process.execPath, [GENERATOR, "demo-probe", "--root", scratch, "--no-install"], REPO);
    assert.equal(generated.status, 0, generated.output);
    assert.match(generated.output, /created packages\/sensor-demo-probe/);

    // A new package changes the lockfile; pnpm freezes it by default where CI=true.
    const install = run(pnpm(), ["install", "--offline", "--ignore-scripts", "--no-frozen-lockfile"], scratch);
    assert.equal(install.status, 0, install.output);
    const bin = (name: string): string => path.join(scratch, "node_modules", ".bin", name);
    const build = run(bin("tsc"), ["-b"], scratch);
    assert.equal(build.status, 0, build.output);
    const test = run(
      process.execPath,
      ["--test", path.join("packages", "sensor-demo-probe", "dist", "test", "demo-probe.test.js")],
      scratch,
    );
    assert.equal(test.status, 0, test.output);
    assert.match(test.output, /# pass 2/);
    const format = run(
      bin("prettier"),
      ["--check", "packages/sensor-demo-probe", "packages/sensors/package.json", "tsconfig.json"],
      scratch,
    );
    assert.equal(format.status, 0, format.output);
    const lint = run(bin("eslint"), ["--max-warnings", "0", "packages/sensor-demo-probe"], scratch);
    assert.equal(lint.status, 0, lint.output);

    const catalog = run(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        'const { loadInstalledSensors } = await import("./packages/sensors/dist/src/catalog.js"); console.log((await loadInstalledSensors()).describe().join("|"));',
      ],
      scratch,
    );
    assert.match(catalog.output, /(^|\|)demo-probe(\||$)/m, catalog.output);
  });

  it("refuses a bad kind, an existing package, and no kind at all", () => {
    const scratch = scratchCopy();
    for (const [args, message] of [
      [["Bad_Kind"], /expected a kind of lower-case letters/],
      [["door"], /packages\/sensor-door already exists/],
      [[], /usage: pnpm new-sensor <kind>/],
    ] as const) {
      const result = run(process.execPath, [GENERATOR, ...args, "--root", scratch, "--no-install"], REPO);
      assert.equal(result.status, 64);
      assert.match(result.output, message);
    }
  });
});

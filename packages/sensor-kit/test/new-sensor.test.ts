import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";

// The generator as a user meets it: in a fresh `git clone` of this repository's committed HEAD
// (what CI and a newcomer get; uncommitted edits are not in it), run through npm or pnpm with a
// person's environment, install and build included.

const REPO = fileURLToPath(new URL("../../../../", import.meta.url));
const PINNED_PNPM = (JSON.parse(readFileSync(path.join(REPO, "package.json"), "utf8")) as { packageManager: string }).packageManager
  .replace(/^pnpm@/, "")
  .replace(/\+.*$/, "");
const STEP_TIMEOUT_MS = 240_000;

interface Run {
  status: number | null;
  output: string;
}

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Run {
  // A timeout kills whatever hangs, so no process outlives its test.
  const result = spawnSync(command, args, { cwd, env, encoding: "utf8", timeout: STEP_TIMEOUT_MS, maxBuffer: 64 << 20 });
  return { status: result.status, output: `${result.stdout}${result.stderr}${result.error ? `\n${result.error.message}` : ""}` };
}

function git(cwd: string, ...args: string[]): string {
  const result = run("git", ["-c", "user.name=new-sensor test", "-c", "user.email=test@roomguard.invalid", ...args], cwd, process.env);
  assert.equal(result.status, 0, result.output);
  return result.output;
}

const PNPM_BINS = ["pnpm", "pnpx", "pn", "pnx"];

/**
 * PATH for a person who has no pnpm: this one, with each directory that holds a pnpm (a global
 * one may sit beside node, npm and sh, as in /usr/bin) replaced by a copy of it, in `scratch`,
 * without pnpm's commands. Without this checkout's node_modules/.bin, which `npm test` adds.
 */
function pathWithoutPnpm(scratch: string): string[] {
  return (process.env.PATH ?? "")
    .split(path.delimiter)
    .filter((dir) => dir && !path.resolve(dir).startsWith(REPO))
    .map((dir, index) => {
      if (!PNPM_BINS.some((name) => existsSync(path.join(dir, name)))) return dir;
      const copy = path.join(scratch, `path-${index}`);
      mkdirSync(copy);
      for (const name of readdirSync(dir)) if (!PNPM_BINS.includes(name)) symlinkSync(path.join(dir, name), path.join(copy, name));
      return copy;
    });
}

/**
 * A person's shell: without what npm, pnpm and node --test add for their scripts (npm_*,
 * NODE_TEST_CONTEXT, which would make an inner `node --test` think it is nested and skip its
 * files), so the generator must find pnpm and set npm_config_nodedir itself. CI=true: pnpm then
 * freezes the lockfile unless told not to, as it does in CI.
 */
function userEnv(pathDirs: string[]): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(npm_|pnpm_|PNPM_)/.test(key) || key === "INIT_CWD" || key === "NODE_TEST_CONTEXT") continue;
    env[key] = value;
  }
  return { ...env, PATH: pathDirs.join(path.delimiter), CI: "true" };
}

/** The files outside a new package that the generator edits. */
const EDITED = ["packages/sensors/package.json", "tsconfig.json", "pnpm-lock.yaml"];

/** Commits what the generator made, as its user would: the next test starts from a clean clone. */
function commitSensor(clone: string, kind: string): void {
  git(clone, "add", `packages/sensor-${kind}`, ...EDITED);
  git(clone, "commit", "--quiet", "-m", `sensor-${kind}`);
  assert.equal(git(clone, "status", "--porcelain"), "");
}

describe("npm run new-sensor / pnpm new-sensor, in a fresh clone", () => {
  let scratch = "";
  let clone = "";
  let noPnpm: string[] = [];
  let stale = "";

  before(
    () => {
      scratch = mkdtempSync(path.join(tmpdir(), "roomguard-new-sensor-"));
      clone = path.join(scratch, "clone");
      noPnpm = pathWithoutPnpm(scratch);
      stale = git(REPO, "status", "--porcelain", "--", "scripts", "package.json", "pnpm-lock.yaml", "tsconfig.json").trim();
      git(REPO, "clone", "--quiet", REPO, clone);
      // What `npm start` does first for the README's user: pnpm into .tools/, install, build.
      const setup = run("npm", ["run", "setup"], clone, userEnv(noPnpm));
      assert.equal(setup.status, 0, setup.output);
      assert.ok(existsSync(path.join(clone, ".tools", "node_modules", ".bin", "pnpm")), "setup put pnpm into .tools/");
    },
    { timeout: STEP_TIMEOUT_MS },
  );

  after(() => {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it("README's user (pnpm only in .tools/): npm run new-sensor installs and builds a package that tests, lints and loads as generated", (t) => {
    if (stale) t.diagnostic(`this tests the committed HEAD; uncommitted here:\n${stale}`);
    const env = userEnv(noPnpm);
    const generated = run("npm", ["run", "new-sensor", "demo-probe"], clone, env);
    assert.equal(generated.status, 0, generated.output);
    assert.match(generated.output, /creating packages\/sensor-demo-probe/);
    assert.match(generated.output, /installing \(pnpm install, with pnpm [\d.]+ from \.tools\/\)/);
    assert.match(generated.output, /building packages\/sensor-demo-probe \(tsc -b\)/);
    assert.match(readFileSync(path.join(clone, "pnpm-lock.yaml"), "utf8"), /^ {2}packages\/sensor-demo-probe:$/m);

    const test = run(process.execPath, ["--test", "packages/sensor-demo-probe/dist/test/demo-probe.test.js"], clone, env);
    assert.equal(test.status, 0, test.output);
    assert.match(test.output, /# pass 2/);
    // npm start's set-up (frozen lockfile) accepts the new lockfile and builds everything.
    const setup = run("npm", ["run", "setup"], clone, env);
    assert.equal(setup.status, 0, setup.output);

    const bin = (name: string): string => path.join(clone, "node_modules", ".bin", name);
    const format = run(bin("prettier"), ["--check", "packages/sensor-demo-probe", ...EDITED.slice(0, 2)], clone, env);
    assert.equal(format.status, 0, format.output);
    const lint = run(bin("eslint"), ["--max-warnings", "0", "packages/sensor-demo-probe"], clone, env);
    assert.equal(lint.status, 0, lint.output);
    const catalog = run(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        'const { loadInstalledSensors } = await import("./packages/sensors/dist/src/catalog.js"); console.log((await loadInstalledSensors()).describe().join("|"));',
      ],
      clone,
      env,
    );
    assert.match(catalog.output, /(^|\|)demo-probe(\||$)/m, catalog.output);
    commitSensor(clone, "demo-probe");
  });

  it("a user with a global pnpm (npm install -g): pnpm new-sensor uses it, and pnpm build and the package's test pass", () => {
    const prefix = path.join(scratch, "global");
    const installed = run(
      "npm",
      ["install", "-g", "--prefix", prefix, "--no-audit", "--no-fund", "--loglevel=error", `pnpm@${PINNED_PNPM}`],
      clone,
      userEnv(noPnpm),
    );
    assert.equal(installed.status, 0, installed.output);
    const env = userEnv([path.join(prefix, "bin"), ...noPnpm]);
    const generated = run("pnpm", ["new-sensor", "demo-gauge"], clone, env);
    assert.equal(generated.status, 0, generated.output);
    assert.match(generated.output, new RegExp(`from PATH: ${path.join(prefix, "bin", "pnpm").replaceAll("/", "\\/")}\\)`));
    assert.match(generated.output, /created, installed and built packages\/sensor-demo-gauge/);

    const build = run("pnpm", ["build"], clone, env);
    assert.equal(build.status, 0, build.output);
    const test = run("pnpm", ["--filter", "@roomguard/sensor-demo-gauge", "test"], clone, env);
    assert.equal(test.status, 0, test.output);
    assert.match(test.output, /# pass 2/);
    commitSensor(clone, "demo-gauge");
  });

  it("a failing install leaves the clone exactly as it was, and a re-run (pnpm installed afresh into .tools/) succeeds", () => {
    assert.equal(git(clone, "status", "--porcelain"), "");
    const ignoredBefore = git(clone, "status", "--porcelain", "--ignored");
    const filesBefore = EDITED.map((file) => readFileSync(path.join(clone, file)));

    // The pinned pnpm on PATH whose install really runs (lockfile and node_modules change), then
    // fails, as a native build failing at the end would. Only the first install fails.
    const fake = path.join(scratch, "failing-pnpm");
    mkdirSync(fake);
    const realPnpm = path.join(clone, ".tools", "node_modules", ".bin", "pnpm");
    const script = [
      "#!/bin/sh",
      `if [ "$1" = --version ]; then echo ${PINNED_PNPM}; exit 0; fi`,
      `if [ -e "${fake}/failed" ]; then exec "${realPnpm}" "$@"; fi`,
      `touch "${fake}/failed"`,
      `"${realPnpm}" "$@" || exit 2`,
      `cp pnpm-lock.yaml "${fake}/lockfile-seen"`,
      'echo "failing pnpm: install failed on purpose" >&2',
      "exit 1",
      "",
    ].join("\n");
    writeFileSync(path.join(fake, "pnpm"), script);
    chmodSync(path.join(fake, "pnpm"), 0o755);

    const failed = run("npm", ["run", "new-sensor", "demo-broken"], clone, userEnv([fake, ...noPnpm]));
    assert.notEqual(failed.status, 0, failed.output);
    assert.match(failed.output, /pnpm install failed \(exit 1\)/);
    assert.match(failed.output, /run `npm run new-sensor demo-broken` again/);
    // The install had got as far as writing the new importer into the lockfile.
    assert.match(readFileSync(path.join(fake, "lockfile-seen"), "utf8"), /^ {2}packages\/sensor-demo-broken:$/m);

    assert.equal(git(clone, "status", "--porcelain"), "");
    assert.equal(git(clone, "status", "--porcelain", "--ignored"), ignoredBefore);
    EDITED.forEach((file, index) => assert.deepEqual(readFileSync(path.join(clone, file)), filesBefore[index], file));
    assert.equal(existsSync(path.join(clone, "packages", "sensor-demo-broken")), false);
    assert.throws(() => lstatSync(path.join(clone, "packages", "sensors", "node_modules", "@roomguard", "sensor-demo-broken")), {
      code: "ENOENT",
    });

    // Again, with no pnpm anywhere: the generator installs .tools/'s copy as set-up does.
    rmSync(path.join(clone, ".tools"), { recursive: true });
    const env = userEnv(noPnpm);
    const again = run("npm", ["run", "new-sensor", "demo-broken"], clone, env);
    assert.equal(again.status, 0, again.output);
    assert.match(again.output, new RegExp(`installing pnpm ${PINNED_PNPM.replaceAll(".", "\\.")} into \\.tools/`));
    const test = run(process.execPath, ["--test", "packages/sensor-demo-broken/dist/test/demo-broken.test.js"], clone, env);
    assert.equal(test.status, 0, test.output);
    assert.match(test.output, /# pass 2/);
    commitSensor(clone, "demo-broken");
  });

  it("refuses a bad kind, an existing package, and no kind at all, changing nothing", () => {
    const env = userEnv(noPnpm);
    for (const [args, message] of [
      [["Bad_Kind"], /expected a kind of lower-case letters/],
      [["door"], /packages\/sensor-door already exists/],
      [[], /usage: npm run new-sensor <kind>/],
      [["a", "b"], /usage: npm run new-sensor <kind>/],
    ] as const) {
      const result = run(process.execPath, ["scripts/new-sensor.mjs", ...args], clone, env);
      assert.equal(result.status, 64, result.output);
      assert.match(result.output, message);
    }
    assert.equal(git(clone, "status", "--porcelain"), "");
  });
});

import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { applyEnvOverrides, envVariableFor } from "../src/env.js";
import { ConfigError } from "../src/errors.js";
import { findConfigFile, loadConfig, loadConfigLeniently, resolveConfigPath } from "../src/load.js";

function scratch(): string {
  return mkdtempSync(path.join(tmpdir(), "roomguard-config-"));
}

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    assert.equal(error.code, "ECONFIG");
    return error;
  }
  assert.fail("expected a ConfigError");
}

describe("findConfigFile", () => {
  it("searches --config, $ROOMGUARD_CONFIG, ./roomguard.yaml, then the system path", () => {
    const dir = scratch();
    const system = path.join(dir, "etc.yaml");
    const local = path.join(dir, "roomguard.yaml");
    const fromEnv = path.join(dir, "env.yaml");
    const fromArg = path.join(dir, "arg.yaml");
    for (const file of [system, local, fromEnv, fromArg]) writeFileSync(file, "{}\n");
    const base = { cwd: dir, systemPath: system };
    assert.equal(findConfigFile({ ...base, configPath: "arg.yaml", env: { ROOMGUARD_CONFIG: fromEnv } }), fromArg);
    assert.equal(findConfigFile({ ...base, env: { ROOMGUARD_CONFIG: fromEnv } }), fromEnv);
    assert.equal(findConfigFile({ ...base, env: {} }), local);
    assert.equal(findConfigFile({ cwd: path.join(dir, "nowhere"), systemPath: system, env: {} }), system);
    assert.equal(findConfigFile({ cwd: path.join(dir, "nowhere"), systemPath: path.join(dir, "none"), env: {} }), null);
  });

  it("fails clearly when an explicitly named file is missing", () => {
    const dir = scratch();
    const error = configError(() => findConfigFile({ cwd: dir, configPath: "missing.yaml", env: {} }));
    assert.match(error.message, /missing\.yaml \(from --config\) does not exist/);
    const fromEnv = configError(() => findConfigFile({ cwd: dir, env: { ROOMGUARD_CONFIG: "/no/such.yaml" } }));
    assert.match(fromEnv.message, /\/no\/such\.yaml \(from ROOMGUARD_CONFIG\) does not exist/);
  });
});

describe("loadConfig", () => {
  it("runs on defaults when there is no file", () => {
    const dir = scratch();
    const loaded = loadConfig({ cwd: dir, systemPath: path.join(dir, "none"), env: {} });
    assert.equal(loaded.file, null);
    assert.equal(loaded.baseDir, dir);
    assert.equal(loaded.config.bus.out, "tcp://127.0.0.1:5555");
  });

  it("reads the file and resolves relative paths against its directory", () => {
    const dir = scratch();
    mkdirSync(path.join(dir, "conf"));
    const file = path.join(dir, "conf", "rg.yaml");
    writeFileSync(file, "router:\n  journal:\n    dir: ./journal\n");
    const loaded = loadConfig({ cwd: dir, configPath: file, env: {} });
    assert.equal(loaded.file, file);
    assert.equal(resolveConfigPath(loaded, loaded.config.router.journal.dir), path.join(dir, "conf", "journal"));
  });

  it("points at the line of a wrong value", () => {
    const dir = scratch();
    const file = path.join(dir, "roomguard.yaml");
    writeFileSync(file, "bus:\n  in: tcp://127.0.0.1:5556\n  maxMessageSize: lots\n");
    const error = configError(() => loadConfig({ cwd: dir, env: {} }));
    assert.deepEqual(error.issues, [{ path: "bus.maxMessageSize", message: 'expected a number, got "lots"', source: `${file}:3` }]);
    assert.match(error.message, /bus\.maxMessageSize: expected a number, got "lots" \(.*roomguard\.yaml:3\)/);
  });

  it("finds the line of a nested key, and treats a file of comments as empty", () => {
    const dir = scratch();
    const file = path.join(dir, "roomguard.yaml");
    writeFileSync(file, "# roomguard\nbus:\n  in: ipc:///tmp/a\n\nrouter:\n  # the journal\n  journal:\n    dir: x\n    maxBytes: 10\n");
    const error = configError(() => loadConfig({ cwd: dir, env: {} }));
    assert.deepEqual(
      error.issues.map((issue) => issue.source),
      [`${file}:9`],
    );
    writeFileSync(file, "# nothing set yet\n\n   # indented comment\n");
    assert.equal(loadConfig({ cwd: dir, env: {} }).config.bus.maxMessageSize, 65536);
  });

  it("warns that a file with no settings (empty, only comments, null) runs on the defaults, naming it; {} is on purpose", () => {
    const dir = scratch();
    const file = path.join(dir, "roomguard.yaml");
    const base = { cwd: dir, systemPath: path.join(dir, "none"), env: {} };
    for (const text of ["", "# nothing set yet\n\n", "null\n", "~\n", "---\n# comments only\n"]) {
      writeFileSync(file, text);
      const loaded = loadConfig(base);
      assert.deepEqual(
        loaded.warnings,
        [`config file ${file} has no settings (it is empty, only comments, or null): every setting is its default`],
        JSON.stringify(text),
      );
      assert.equal(loaded.config.bus.maxMessageSize, 65536);
      assert.deepEqual(loadConfigLeniently(base).warnings, loaded.warnings);
    }
    writeFileSync(file, "{}\n");
    assert.equal(loadConfig(base).warnings, undefined);
    writeFileSync(file, "bus:\n  maxMessageSize: 1024\n");
    assert.equal(loadConfig(base).warnings, undefined);
  });

  it("refuses a config with no settings at the installed Pi's path: surely a mistake (exit 78)", () => {
    const dir = scratch();
    const system = path.join(dir, "config.yaml"); // stands for /etc/roomguard/config.yaml
    writeFileSync(system, "# roomguard\n");
    const found = { cwd: path.join(dir, "elsewhere"), systemPath: system, env: {} };
    const error = configError(() => loadConfig(found));
    assert.match(
      error.message,
      new RegExp(
        `^invalid config in ${system}:\\n {2}- config file ${system} has no settings \\(it is empty, only comments, or null\\): every setting is its default, ` +
          "which the installed appliance never is: a truncated write or a failed copy\\? Restore your settings .*; to run on the defaults on purpose, write \\{\\}$",
      ),
    );
    configError(() => loadConfig({ ...found, configPath: system })); // named, as the service unit does
    // Tools that must reach a running appliance still read it, with the error to warn about.
    const lenient = loadConfigLeniently(found);
    assert.equal(lenient.error?.issues[0]?.path, "");
    assert.equal(lenient.config.bus.maxMessageSize, 65536);
    writeFileSync(system, "null\n");
    configError(() => loadConfig(found));
    writeFileSync(system, "{}\n");
    assert.equal(loadConfig(found).warnings, undefined);
  });

  it("reports YAML syntax errors with line and column", () => {
    const dir = scratch();
    writeFileSync(path.join(dir, "roomguard.yaml"), "bus:\n  in: [unclosed\n");
    const error = configError(() => loadConfig({ cwd: dir, env: {} }));
    assert.match(error.issues[0]?.message ?? "", /^YAML syntax/);
    assert.match(error.issues[0]?.source ?? "", /roomguard\.yaml:\d+:\d+$/);
  });

  it("refuses duplicate keys and a document that is not sections", () => {
    const dir = scratch();
    writeFileSync(path.join(dir, "roomguard.yaml"), "bus: {}\nbus: {}\n");
    assert.match(configError(() => loadConfig({ cwd: dir, env: {} })).message, /YAML syntax/);
    writeFileSync(path.join(dir, "roomguard.yaml"), "- a\n- b\n");
    assert.match(configError(() => loadConfig({ cwd: dir, env: {} })).message, /expected sections of key: value lines, got a list/);
  });

  it("lets the environment override the file (defaults < file < env)", () => {
    const dir = scratch();
    writeFileSync(path.join(dir, "roomguard.yaml"), "router:\n  statsIntervalS: 2\n  acceptDeath: false\n");
    const loaded = loadConfig({
      cwd: dir,
      env: { ROOMGUARD_ROUTER_ACCEPT_DEATH: "true", ROOMGUARD_BUS_MAXMESSAGESIZE: "1024", ROOMGUARD_ROUTER_JOURNAL_DIR: "/tmp/x" },
    });
    assert.equal(loaded.config.router.acceptDeath, true);
    assert.equal(loaded.config.router.statsIntervalS, 2);
    assert.equal(loaded.config.bus.maxMessageSize, 1024);
    assert.equal(loaded.config.router.journal.dir, "/tmp/x");
  });

  it("names the environment variable a wrong value came from", () => {
    const dir = scratch();
    const error = configError(() =>
      loadConfig({ cwd: dir, systemPath: path.join(dir, "none"), env: { ROOMGUARD_BUS_MAX_MESSAGE_SIZE: "huge" } }),
    );
    assert.deepEqual(error.issues, [
      { path: "bus.maxMessageSize", message: 'expected a number, got "huge"', source: "ROOMGUARD_BUS_MAX_MESSAGE_SIZE" },
    ]);
  });

  it("refuses override variables that name no key", () => {
    const dir = scratch();
    const error = configError(() => loadConfig({ cwd: dir, systemPath: path.join(dir, "none"), env: { ROOMGUARD_BUS_MAXSIZE: "1" } }));
    assert.match(error.message, /ROOMGUARD_BUS_MAXSIZE names no config key/);
  });
});

describe("applyEnvOverrides", () => {
  it("leaves the input untouched and ignores other variables", () => {
    const document = { bus: { in: "ipc:///a" } };
    const { document: result, issues } = applyEnvOverrides(document, {
      PATH: "/bin",
      ROOMGUARD_CONFIG: "/x",
      ROOMGUARD_BUS_IN: "ipc:///b",
    });
    assert.deepEqual(issues, []);
    assert.deepEqual(result, { bus: { in: "ipc:///b" } });
    assert.deepEqual(document, { bus: { in: "ipc:///a" } });
  });

  it("spells the variable for a key path", () => {
    assert.equal(envVariableFor("router.journal.flushIntervalMs"), "ROOMGUARD_ROUTER_JOURNAL_FLUSH_INTERVAL_MS");
    assert.equal(envVariableFor("bus.in"), "ROOMGUARD_BUS_IN");
  });
});

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";

const CLI = fileURLToPath(new URL("../src/main.js", import.meta.url));

describe("a config file with no settings", { timeout: 30_000 }, () => {
  it("is used, with a warning naming the file (check, and every command that reads the config)", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "roomguard-empty-"));
    const file = path.join(dir, "roomguard.yaml");
    writeFileSync(file, "# to be written\n");
    const warning = `warning: config file ${file} has no settings (it is empty, only comments, or null): every setting is its default\n`;
    const run = (args: string[]) =>
      spawnSync(process.execPath, [CLI, ...args, "--config", file], { encoding: "utf8", env: { ...process.env, ROOMGUARD_CONFIG: "" } });
    const check = run(["check"]);
    assert.equal(check.status, 0, check.stderr);
    assert.equal(check.stderr, `roomguard check: ${warning}`);
    const journal = run(["journal", "--dir", path.join(dir, "none")]);
    assert.ok(journal.stderr.startsWith(`roomguard journal: ${warning}`), journal.stderr);
  });
});

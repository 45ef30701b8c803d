import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { SYSTEM_CONFIG_PATH } from "@roomguard/config";
import { createHints, hintPlace, workspaceRoot } from "../src/hints.js";

/** A checkout's shape: the workspace file, a package.json at the root and in a package, its roomguard.yaml, docs/. */
function checkout(): string {
  const root = mkdtempSync(path.join(tmpdir(), "roomguard hints-"));
  for (const file of ["pnpm-workspace.yaml", "package.json", "roomguard.yaml", "packages/cli/package.json"]) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), "{}\n");
  }
  mkdirSync(path.join(root, "docs"));
  return root;
}

describe("hints: commands spelled for where the user is", () => {
  it("finds the workspace a file is in", () => {
    const repo = workspaceRoot(path.dirname(fileURLToPath(import.meta.url)));
    assert.ok(repo !== null);
    assert.equal(workspaceRoot(path.join(repo, "packages", "launcher")), repo);
    const root = checkout();
    assert.equal(workspaceRoot(path.join(root, "packages", "cli")), root);
    assert.equal(workspaceRoot(tmpdir()), null);
  });

  it("in a checkout: npx roomguard and npm start, from its root, repeating --config only for another file", () => {
    const root = checkout();
    const own = path.join(root, "roomguard.yaml");
    const atRoot = createHints({ root, cwd: root, configFile: own });
    assert.equal(atRoot.place, "checkout");
    assert.equal(atRoot.command("status"), "npx roomguard status");
    assert.equal(atRoot.start(), "npm start");
    assert.equal(atRoot.startAdvice(), "Is roomguard running? Start it with `npm start`");
    const quoted = `'${root}'`;
    // Under the root without a package.json of its own, npm still finds the root's; roomguard
    // looks for ./roomguard.yaml in the directory it runs in, so it needs to be told.
    assert.equal(
      createHints({ root, cwd: path.join(root, "docs"), configFile: own }).command("tap KEY:"),
      `npx roomguard tap KEY: --config '${own}'`,
    );
    // A package's directory is a project of its own to npm, and elsewhere npx would look in the registry.
    for (const cwd of [path.join(root, "packages", "cli"), tmpdir()]) {
      const hints = createHints({ root, cwd, configFile: own });
      assert.equal(hints.command("status"), `cd ${quoted} && npx roomguard status`, cwd);
      assert.equal(hints.start(), `cd ${quoted} && npm start`, cwd);
    }
    const other = createHints({ root, cwd: root, configFile: "/srv/test.yaml" });
    assert.equal(other.command("status"), "npx roomguard status --config /srv/test.yaml");
    assert.equal(other.command("help send", false), "npx roomguard help send");
    assert.equal(other.start(), "npm start -- --config /srv/test.yaml");
    assert.equal(createHints({ root, cwd: root, configFile: null }).command("status"), "npx roomguard status");
  });

  it("on an installed Pi: roomguard on PATH and the systemd unit", () => {
    const release = "/opt/roomguard/releases/0123456789ab";
    for (const facts of [
      { root: release, cwd: "/home/pi", configFile: SYSTEM_CONFIG_PATH },
      { root: release, cwd: "/home/pi", configFile: undefined },
      { root: null, cwd: "/home/pi", configFile: SYSTEM_CONFIG_PATH },
    ]) {
      const hints = createHints(facts);
      assert.equal(hints.place, "installed", JSON.stringify(facts));
      assert.equal(hints.command("status"), "roomguard status");
      assert.equal(hints.start(), "sudo systemctl start roomguard");
      assert.equal(
        hints.startAdvice(),
        "Is roomguard running? Start it with `sudo systemctl start roomguard` (`systemctl status roomguard` says why it stopped)",
      );
    }
    // A config of the user's own is not the unit's: it is started by hand.
    const own = createHints({ root: release, cwd: "/home/pi", configFile: "/home/pi/bench.yaml" });
    assert.equal(own.command("status"), "roomguard status --config /home/pi/bench.yaml");
    assert.equal(own.start(), "roomguard start --config /home/pi/bench.yaml");
    // /opt/roomguard-old is not the installation.
    assert.equal(hintPlace({ root: "/opt/roomguard-old", cwd: "/" }), "checkout");
  });

  it("anywhere else: roomguard on PATH, started by hand", () => {
    const hints = createHints({ root: null, cwd: tmpdir(), configFile: null });
    assert.equal(hints.place, "other");
    assert.equal(hints.command("status"), "roomguard status");
    assert.equal(hints.start(), "roomguard start");
  });
});

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { parseConfigText, validateConfig } from "@roomguard/config";
import { bridgeConfigIssues } from "../src/check-config.js";

const DOC = fileURLToPath(new URL("../../../../docs/bridge.md", import.meta.url));

/** The YAML examples of docs/bridge.md, as a reader would paste them into a config. */
function examples(): string[] {
  return [...readFileSync(DOC, "utf8").matchAll(/```yaml\n([\s\S]*?)```/g)].map((match) => (match[1] ?? "").replace(/^ {3}/gm, ""));
}

describe("docs/bridge.md's config examples", () => {
  it("are valid configs as written, and the bridge's takes no issue from its own check", () => {
    const blocks = examples();
    assert.ok(blocks.length >= 3, "the examples were found");
    for (const block of blocks) {
      const result = validateConfig(parseConfigText(block, "docs/bridge.md").document);
      assert.ok(result.ok, `${block}\n${JSON.stringify(result.ok ? [] : result.issues)}`);
      if (block.includes("bridge:")) {
        assert.deepEqual(bridgeConfigIssues(result.config), [], block);
        assert.deepEqual(result.config.bridge.remotes[0]?.from, ["SENSOR:", "DOOR:", "MOTION:", "HEARTBEAT:"]);
      }
    }
  });
});

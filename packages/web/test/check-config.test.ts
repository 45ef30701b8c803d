import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { validateConfig } from "@roomguard/config";
import { hashSecret } from "@roomguard/runtime";
import { webConfigIssues } from "../src/check-config.js";

const dir = mkdtempSync(path.join(tmpdir(), "web-check-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function loaded(web: Record<string, unknown>) {
  const result = validateConfig({ web });
  assert.ok(result.ok, JSON.stringify(!result.ok && result.issues));
  return { config: result.config, file: path.join(dir, "roomguard.yaml"), baseDir: dir };
}

describe("the dashboard's config check", () => {
  it("passes the defaults and a good TLS pair off loopback", () => {
    assert.deepEqual(webConfigIssues(loaded({})), []);
    writeFileSync(path.join(dir, "web.crt"), "cert");
    writeFileSync(path.join(dir, "web.key"), "key");
    assert.deepEqual(webConfigIssues(loaded({ listen: "0.0.0.0:8443", tls: { cert: "web.crt", key: "web.key" } })), []);
  });
  it("names a listener off loopback without TLS, and missing TLS files", () => {
    assert.deepEqual(
      webConfigIssues(loaded({ listen: "0.0.0.0:8080" })).map((issue) => issue.path),
      ["web.listen"],
    );
    const issues = webConfigIssues(loaded({ tls: { cert: "missing.crt", key: "web.key" } }));
    assert.deepEqual(
      issues.map((issue) => issue.path),
      ["web.tls.cert"],
    );
    assert.match(issues[0]?.message ?? "", /expected a readable file, got .*missing\.crt \(ENOENT\)/);
  });
  it("names a user twice and a hash no check would take", async () => {
    const password = await hashSecret("pw", { N: 16 });
    const issues = webConfigIssues(
      loaded({
        users: [
          { name: "alice", role: "admin", password },
          { name: "Alice", role: "viewer", password },
          { name: "bob", role: "user", password: "scrypt$3$8$1$AAAA$AAAA" },
        ],
      }),
    );
    assert.deepEqual(
      issues.map((issue) => issue.path),
      ["web.users[1].name", "web.users[2].password"],
    );
    assert.match(issues[1]?.message ?? "", /roomguard web add-user bob/);
  });
});

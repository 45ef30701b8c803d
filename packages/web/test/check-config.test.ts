import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { validateConfig } from "@roomguard/config";
import { hashSecret } from "@roomguard/runtime";
import { webConfigIssues } from "../src/check-config.js";

const dir = mkdtempSync(path.join(tmpdir(), "web-check-"));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A self-signed pair made with openssl, as `roomguard web make-cert` will (openssl is a CI package). */
function makePair(name: string): void {
  execFileSync(
    "openssl",
    ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-subj", "/CN=localhost"].concat([
      "-keyout",
      path.join(dir, `${name}.key`),
      "-out",
      path.join(dir, `${name}.crt`),
    ]),
    { stdio: "ignore" },
  );
}

function loaded(web: Record<string, unknown>) {
  const result = validateConfig({ web });
  assert.ok(result.ok, JSON.stringify(!result.ok && result.issues));
  return { config: result.config, file: path.join(dir, "roomguard.yaml"), baseDir: dir };
}

describe("the dashboard's config check", () => {
  it("passes the defaults and a good TLS pair off loopback", () => {
    assert.deepEqual(webConfigIssues(loaded({})), []);
    makePair("web");
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
  it("names a file that is no certificate or key, and a key of another certificate", () => {
    makePair("other");
    writeFileSync(path.join(dir, "junk.pem"), "not a certificate");
    const messagesOf = (tls: Record<string, string>) => webConfigIssues(loaded({ tls })).map((issue) => `${issue.path}: ${issue.message}`);
    assert.match(messagesOf({ cert: "junk.pem", key: "web.key" }).join(), /^web\.tls: expected a PEM certificate in tls\.cert/);
    assert.match(messagesOf({ cert: "web.crt", key: "junk.pem" }).join(), /^web\.tls: expected an unencrypted PEM private key in tls\.key/);
    assert.deepEqual(messagesOf({ cert: "web.crt", key: "other.key" }), [
      "web.tls: tls.key is not the key of tls.cert: expected the pair made together",
    ]);
    assert.deepEqual(messagesOf({ cert: "other.crt", key: "other.key" }), []);
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

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { validateConfig } from "@roomguard/config";
import { isLoopbackHost, listenIssues, parseListenAddress } from "../src/listen-address.js";

function webOf(web: Record<string, unknown>) {
  const result = validateConfig({ web });
  assert.ok(result.ok, JSON.stringify(!result.ok && result.issues));
  return result.config.web;
}

describe("parseListenAddress", () => {
  it("splits host and port, IPv6 without its brackets", () => {
    assert.deepEqual(parseListenAddress("127.0.0.1:8080"), { host: "127.0.0.1", port: 8080 });
    assert.deepEqual(parseListenAddress("[::1]:0"), { host: "::1", port: 0 });
    assert.deepEqual(parseListenAddress("pi.local:443"), { host: "pi.local", port: 443 });
  });
  it("refuses what is no host:port", () => {
    for (const text of ["8080", "127.0.0.1", "::1:80", "a:70000", "a b:1"])
      assert.throws(() => parseListenAddress(text), /expected host:port/);
  });
});

describe("isLoopbackHost", () => {
  it("knows loopback in its spellings", () => {
    for (const host of ["localhost", "LOCALHOST", "127.0.0.1", "127.1.2.3", "::1", "0:0:0:0:0:0:0:1", "::ffff:127.0.0.1"])
      assert.equal(isLoopbackHost(host), true, host);
  });
  it("takes every interface, LAN addresses and names as reachable from outside", () => {
    for (const host of ["0.0.0.0", "::", "192.168.1.20", "fe80::1", "128.0.0.1", "pi.local", "localhost.example.com"])
      assert.equal(isLoopbackHost(host), false, host);
  });
});

describe("listenIssues", () => {
  it("accepts the default (loopback, no TLS)", () => {
    assert.deepEqual(listenIssues(webOf({})), []);
  });
  it("wants TLS or insecure off loopback, naming web.listen", () => {
    const issues = listenIssues(webOf({ listen: "0.0.0.0:8080" }));
    assert.equal(issues.length, 1);
    assert.equal(issues[0]?.path, "web.listen");
    assert.match(issues[0]?.message ?? "", /reachable from other machines.*web\.tls\.cert.*web\.insecure: true/);
    assert.deepEqual(listenIssues(webOf({ listen: "0.0.0.0:8080", insecure: true })), []);
    assert.deepEqual(listenIssues(webOf({ listen: "[::]:443", tls: { cert: "web.crt", key: "web.key" } })), []);
  });
  it("wants a certificate and its key together", () => {
    assert.deepEqual(
      listenIssues(webOf({ tls: { cert: "web.crt" } })).map((issue) => issue.path),
      ["web.tls.key"],
    );
    assert.deepEqual(
      listenIssues(webOf({ tls: { key: "web.key" } })).map((issue) => issue.path),
      ["web.tls.cert"],
    );
  });
});

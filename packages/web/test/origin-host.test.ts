import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { allowedHostNames, hostNameOf, isAllowedHost } from "../src/host-check.js";
import { originProblem } from "../src/origin-check.js";

describe("the Host check (DNS rebinding)", () => {
  const allowed = allowedHostNames({ hostname: "roomguard", addresses: ["192.168.1.20", "fe80::1%eth0"] }, ["Dash.example.org"]);
  it("takes the machine's names and addresses, loopback and web.hostnames, with any port", () => {
    for (const host of [
      "localhost:8080",
      "127.0.0.1:8080",
      "[::1]:8080",
      "roomguard",
      "RoomGuard.local:443",
      "192.168.1.20:8080",
      "[fe80::1]:8080",
      "dash.example.org",
      "dash.example.org.",
    ])
      assert.equal(isAllowedHost(host, allowed), true, host);
  });
  it("refuses another name, a missing Host and malformed ones", () => {
    for (const host of [undefined, "", "evil.example:8080", "localhost.evil.example", "127.0.0.2", "a b", "[::1", "roomguard:80:80"])
      assert.equal(isAllowedHost(host, allowed), false, String(host));
  });
  it("takes the port and brackets off", () => {
    assert.equal(hostNameOf("[::1]:8080"), "::1");
    assert.equal(hostNameOf("Pi.Local:1"), "pi.local");
  });
});

describe("the Origin check", () => {
  it("accepts the page's own origin", () => {
    assert.equal(originProblem("http://127.0.0.1:8080", "127.0.0.1:8080", false), undefined);
    assert.equal(originProblem("https://pi.local", "pi.local:443", true), undefined);
    assert.equal(originProblem("https://pi.local:443", "pi.local", true), undefined);
    assert.equal(originProblem("http://[::1]:8080", "[::1]:8080", false), undefined);
  });
  it("refuses a missing, opaque or malformed Origin", () => {
    assert.equal(originProblem(undefined, "127.0.0.1:8080", false), "no Origin header");
    assert.equal(originProblem("null", "127.0.0.1:8080", false), "no Origin header");
    assert.equal(originProblem("not a url", "127.0.0.1:8080", false), "a malformed Origin header");
  });
  it("refuses another site, another port and another scheme", () => {
    assert.equal(originProblem("http://evil.example", "127.0.0.1:8080", false), "a foreign Origin");
    assert.equal(originProblem("http://127.0.0.1:9090", "127.0.0.1:8080", false), "a foreign Origin");
    assert.match(originProblem("http://pi.local", "pi.local", true) ?? "", /another scheme/);
    assert.equal(originProblem("http://127.0.0.1:8080", undefined, false), "no valid Host header");
  });
});

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, it } from "node:test";
import { contentSecurityPolicy, inlineScriptSource, securityHeaders } from "../src/security-headers.js";

describe("the security headers", () => {
  it("allow only this origin, no inline script but the hashed ones, no framing", () => {
    const policy = contentSecurityPolicy();
    assert.match(policy, /^default-src 'none'; /);
    assert.match(policy, /script-src 'self'; /);
    assert.match(policy, /connect-src 'self'/);
    assert.match(policy, /frame-ancestors 'none'/);
    assert.doesNotMatch(policy, /unsafe-inline|unsafe-eval|\*/);
  });
  it("allow an inline script by the sha256 of its exact text", () => {
    const importMap = '{"imports":{"preact":"/vendor/preact.mjs"}}';
    const expected = `'sha256-${createHash("sha256").update(importMap).digest("base64")}'`;
    assert.equal(inlineScriptSource(importMap), expected);
    assert.match(contentSecurityPolicy([importMap]), new RegExp(`script-src 'self' ${expected.replace(/[+/]/g, "\\$&")};`));
  });
  it("include nosniff, DENY framing and no referrer", () => {
    const headers = securityHeaders();
    assert.equal(headers["X-Content-Type-Options"], "nosniff");
    assert.equal(headers["X-Frame-Options"], "DENY");
    assert.equal(headers["Referrer-Policy"], "no-referrer");
  });
});

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { expiryProblem } from "../src/tls-pair.js";

const DAY = 86_400_000;

describe("the certificate's expiry", () => {
  it("is no problem with 14 days or more left, a problem with fewer, and says when it expired", () => {
    const now = Date.UTC(2026, 0, 1);
    assert.equal(expiryProblem(now + 14 * DAY, now), undefined);
    assert.match(expiryProblem(now + 13.5 * DAY, now) ?? "", /expires in 14 days \(2026-01-14T12:00:00\.000Z\).*roomguard web make-cert/);
    assert.match(expiryProblem(now - DAY, now) ?? "", /expired on 2025-12-31T00:00:00\.000Z/);
  });
});

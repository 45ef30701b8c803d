import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { backoffDelay } from "../src/backoff.js";

describe("backoffDelay", () => {
  it("starts at first, doubles per failure in a row, and stops at max", () => {
    const backoff = { first: 1, max: 60 };
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6, 7, 8].map((failures) => backoffDelay(failures, backoff)),
      [1, 2, 4, 8, 16, 32, 60, 60],
    );
  });

  it("takes another factor, keeps the caller's unit, and counts no failure as one", () => {
    assert.deepEqual(
      [1, 2, 3, 4].map((failures) => backoffDelay(failures, { first: 250, max: 10_000, factor: 3 })),
      [250, 750, 2250, 6750],
    );
    assert.equal(backoffDelay(0, { first: 250, max: 10_000 }), 250);
    assert.equal(backoffDelay(-4, { first: 250, max: 10_000 }), 250);
  });

  it("a crash loop that runs for ever still waits max, not Infinity or NaN", () => {
    assert.equal(backoffDelay(5000, { first: 0.5, max: 30 }), 30);
  });
});

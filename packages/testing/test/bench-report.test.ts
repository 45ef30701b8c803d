import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { benchTable, processUsage, quantile } from "../src/bench-report.js";

describe("benchmark reports", () => {
  it("a table aligns its columns and marks a missed target", () => {
    assert.equal(
      benchTable([
        { measure: "p99", value: "1.5 ms", target: "≤ 2 ms", ok: true },
        { measure: "memory", value: "80 MB", target: "≤ 70 MB", ok: false },
        { measure: "presses", value: "500", target: "", ok: null },
      ]),
      [
        "| measure | measured | target  |          |",
        "|---------|----------|---------|----------|",
        "| p99     | 1.5 ms   | ≤ 2 ms  | ✓        |",
        "| memory  | 80 MB    | ≤ 70 MB | ✗ missed |",
        "| presses | 500      |         |          |",
      ].join("\n"),
    );
  });

  it("quantiles of sorted samples; a process's CPU time and RSS, and an error for one that is gone", () => {
    assert.equal(quantile([1, 2, 3, 4], 0.5), 3);
    assert.equal(quantile([1, 2, 3, 4], 0.99), 4);
    assert.ok(Number.isNaN(quantile([], 0.5)));
    const usage = processUsage(process.pid);
    assert.ok(usage.cpuMs > 0 && usage.rssBytes > 10 * 2 ** 20, JSON.stringify(usage));
    assert.throws(() => processUsage(2 ** 30), /no process 1073741824 to measure/);
  });
});

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { BACKOFF_MAX_MS, backoffDelayMs } from "../page/backoff.js";
import { chartGeometry, type Point } from "../page/chart.js";

describe("the reconnect backoff", () => {
  it("starts at 1 s and doubles to 30 s without jitter in the middle", () => {
    const middle = () => 0.5;
    assert.deepEqual(
      [0, 1, 2, 3, 4, 5, 6, 20].map((n) => backoffDelayMs(n, middle)),
      [1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000],
    );
  });
  it("jitters each delay within ±20 % and never past 30 s", () => {
    assert.equal(
      backoffDelayMs(0, () => 0),
      800,
    );
    assert.equal(
      backoffDelayMs(0, () => 0.999999),
      1200,
    );
    assert.equal(
      backoffDelayMs(3, () => 0),
      6400,
    );
    assert.equal(
      backoffDelayMs(10, () => 0),
      24_000,
    );
    assert.equal(
      backoffDelayMs(10, () => 0.999999),
      BACKOFF_MAX_MS,
    );
    for (let i = 0; i < 200; i++) {
      const delay = backoffDelayMs(i % 12);
      assert.ok(delay >= 800 && delay <= BACKOFF_MAX_MS, String(delay));
    }
  });
});

describe("the chart geometry", () => {
  const box = { width: 100, height: 40, pad: 2 };
  it("scales time to x and values to y, the highest value at the top", () => {
    const geometry = chartGeometry(
      [
        [2000, 20],
        [0, 10],
        [1000, 15],
      ],
      box,
    );
    assert.deepEqual(geometry, { polyline: "2,38 50,20 98,2", min: 10, max: 20, fromMs: 0, toMs: 2000, count: 3 });
  });
  it("draws a flat line in the middle and a single point at the right", () => {
    assert.equal(
      chartGeometry(
        [
          [0, 5],
          [10, 5],
        ],
        box,
      )?.polyline,
      "2,20 98,20",
    );
    assert.equal(chartGeometry([[7, 5]], box)?.polyline, "98,20");
  });
  it("places points within the given span, clamped to it", () => {
    const geometry = chartGeometry(
      [
        [500, 1],
        [1000, 2],
        [5000, 3],
      ],
      box,
      { fromMs: 0, toMs: 1000 },
    );
    assert.equal(geometry?.polyline, "50,38 98,20 98,2");
  });
  it("skips non-finite values and answers null without points", () => {
    assert.equal(chartGeometry([], box), null);
    assert.equal(chartGeometry([[0, Number.NaN]], box), null);
    assert.equal(
      chartGeometry(
        [
          [0, 1],
          [1, Number.POSITIVE_INFINITY],
          [2, 3],
        ],
        box,
      )?.count,
      2,
    );
  });
  it("averages many points into buckets but keeps the raw min and max", () => {
    const points: Point[] = Array.from({ length: 2880 }, (_, i) => [i * 30_000, i === 100 ? 99 : i % 2]);
    const geometry = chartGeometry(points, box, undefined, 60);
    assert.ok(geometry);
    assert.equal(geometry.polyline.split(" ").length, 60);
    assert.equal(geometry.max, 99);
    assert.equal(geometry.min, 0);
    assert.equal(geometry.count, 2880);
  });
});

/** A sensor chart's geometry: history points scaled into an SVG box. Pure, for sensor-chart.tsx. */

export type Point = readonly [epochMs: number, value: number];

export interface ChartBox {
  width: number;
  height: number;
  /** Inner margin in user units, so the line's stroke is not cut at the edges. */
  pad: number;
}

export interface ChartGeometry {
  /** The `points` attribute of a <polyline>: `x,y x,y …`; "" without points. */
  polyline: string;
  min: number;
  max: number;
  /** Epoch ms of the earliest and latest point. */
  fromMs: number;
  toMs: number;
  count: number;
}

/**
 * Scales `points` (any order) into `box`: time left to right over [fromMs, toMs] (the points'
 * own span when not given), values bottom to top over [min, max] (a flat line sits in the middle).
 * More points than `maxPoints` are averaged in equal time buckets (a reading every 30 s for a day
 * is 2880: more than the pixels); min and max stay those of the raw values. Non-finite values
 * are skipped. Returns null when no point is left.
 */
export function chartGeometry(
  points: readonly Point[],
  box: ChartBox,
  span?: { fromMs: number; toMs: number },
  maxPoints = 120,
): ChartGeometry | null {
  const clean = points.filter(([t, v]) => Number.isFinite(t) && Number.isFinite(v)).sort((a, b) => a[0] - b[0]);
  const first = clean[0];
  const last = clean[clean.length - 1];
  if (first === undefined || last === undefined) return null;
  let min = Infinity;
  let max = -Infinity;
  for (const [, v] of clean) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const fromMs = span?.fromMs ?? first[0];
  const toMs = span?.toMs ?? last[0];
  const shown = clean.length > maxPoints ? bucketAverages(clean, fromMs, toMs, maxPoints) : clean;
  const innerW = box.width - 2 * box.pad;
  const innerH = box.height - 2 * box.pad;
  const x = (t: number): number => box.pad + (toMs > fromMs ? ((t - fromMs) / (toMs - fromMs)) * innerW : innerW);
  const y = (v: number): number => box.pad + (max > min ? ((max - v) / (max - min)) * innerH : innerH / 2);
  const round = (n: number): string => String(Math.round(n * 10) / 10);
  const polyline = shown.map(([t, v]) => `${round(x(Math.min(toMs, Math.max(fromMs, t))))},${round(y(v))}`).join(" ");
  return { polyline, min, max, fromMs: first[0], toMs: last[0], count: clean.length };
}

function bucketAverages(points: readonly Point[], fromMs: number, toMs: number, buckets: number): Point[] {
  const size = Math.max(1, (toMs - fromMs) / buckets);
  const sums = new Map<number, { t: number; v: number; n: number }>();
  for (const [t, v] of points) {
    const index = Math.min(buckets - 1, Math.max(0, Math.floor((t - fromMs) / size)));
    const sum = sums.get(index) ?? { t: 0, v: 0, n: 0 };
    sum.t += t;
    sum.v += v;
    sum.n += 1;
    sums.set(index, sum);
  }
  return [...sums.entries()].sort((a, b) => a[0] - b[0]).map(([, s]) => [s.t / s.n, s.v / s.n] as const);
}

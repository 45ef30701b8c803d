import { chartGeometry, type Point } from "./chart.js";
import { formatReading, formatTime, quantityUnit } from "./format.js";

const BOX = { width: 300, height: 80, pad: 4 };

/** A quantity's last 24 h as a hand-drawn SVG line with its min and max, or why there is none. */
export function SensorChart(props: { quantity: string; points: readonly Point[] | null; problem: string | null; serverNowMs: number }) {
  const { label } = quantityUnit(props.quantity);
  if (props.problem !== null) return <p class="hint">Chart: {props.problem}</p>;
  if (props.points === null) return <p class="hint">Loading the last 24 h…</p>;
  const geometry = chartGeometry(props.points, BOX, { fromMs: props.serverNowMs - 86_400_000, toMs: props.serverNowMs });
  if (geometry === null) return <p class="hint">No history in the last 24 h.</p>;
  const min = formatReading(props.quantity, geometry.min);
  const max = formatReading(props.quantity, geometry.max);
  const description = `${label} over the last 24 hours: lowest ${min}, highest ${max}, ${geometry.count} readings since ${formatTime(geometry.fromMs)}.`;
  return (
    <figure class="chart">
      <svg viewBox={`0 0 ${BOX.width} ${BOX.height}`} role="img" aria-label={description} preserveAspectRatio="none">
        <line class="chart-grid" x1={BOX.pad} y1={BOX.pad} x2={BOX.width - BOX.pad} y2={BOX.pad} />
        <line class="chart-grid" x1={BOX.pad} y1={BOX.height - BOX.pad} x2={BOX.width - BOX.pad} y2={BOX.height - BOX.pad} />
        <polyline class="chart-line" points={geometry.polyline} vector-effect="non-scaling-stroke" />
      </svg>
      <figcaption class="chart-labels" aria-hidden="true">
        <span>max {max}</span>
        <span>min {min}</span>
        <span>24 h</span>
      </figcaption>
    </figure>
  );
}

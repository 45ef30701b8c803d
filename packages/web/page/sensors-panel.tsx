/**
 * Sensors: each one's latest readings with units and its fault, and a 24 h chart per quantity,
 * fetched one at a time (the gateway answers `busy` to a burst) when the connection comes up
 * and every few minutes.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import type { Point } from "./chart.js";
import type { Send } from "./dashboard.js";
import { formatReading, formatRelative, quantityUnit } from "./format.js";
import { Panel } from "./panel.js";
import type { SensorSection } from "./protocol.js";
import { SensorChart } from "./sensor-chart.js";

const REFRESH_MS = 5 * 60_000;

type History = Record<string, { points: Point[] | null; problem: string | null }>;

export function SensorsPanel(props: {
  sensors: Record<string, SensorSection>;
  send: Send;
  live: boolean;
  canChart: boolean;
  serverNowMs: number;
}) {
  const [history, setHistory] = useState<History>({});
  const [round, setRound] = useState(0);
  const names = Object.keys(props.sensors).sort();
  const keys = names.flatMap((name) => Object.keys(props.sensors[name]?.reading ?? {}).map((quantity) => `${name}\u0000${quantity}`));
  const keyList = keys.join("\u0001");
  const send = useRef(props.send);
  send.current = props.send;

  useEffect(() => {
    const timer = setInterval(() => setRound((n) => n + 1), REFRESH_MS);
    return () => clearInterval(timer);
  }, []);

  useEffect(() => {
    if (!props.live || !props.canChart || keyList === "") return;
    let cancelled = false;
    void (async () => {
      for (const key of keyList.split("\u0001")) {
        if (cancelled) return;
        const [sensor, quantity] = key.split("\u0000");
        const outcome = await send.current("history", { sensor, quantity });
        if (cancelled) return;
        const entry = outcome.ok
          ? { points: ((outcome.result as { points?: Point[] } | null)?.points ?? []).slice(), problem: null }
          : { points: null, problem: outcome.message };
        setHistory((current) => ({ ...current, [key]: entry }));
      }
    })();
    return () => {
      cancelled = true;
    };
  }, [props.live, props.canChart, keyList, round]);

  return (
    <Panel id="sensors" title="Sensors">
      {names.length === 0 && <p>No sensors are configured.</p>}
      {names.map((name) => {
        const sensor = props.sensors[name] as SensorSection;
        return (
          <article key={name} class="sensor" aria-labelledby={`sensor-${name}`}>
            <h3 id={`sensor-${name}`}>
              {name}{" "}
              <span class="muted small">
                {sensor.at === null ? "no report yet" : formatRelative(Math.min(0, sensor.at - props.serverNowMs))}
              </span>
            </h3>
            {sensor.fault !== null && <p class="notice error">Fault: {sensor.fault}</p>}
            {sensor.state !== null && (
              <p class="reading">
                <span class="muted">State</span> <strong>{sensor.state}</strong>
              </p>
            )}
            {sensor.reading === null && sensor.state === null && sensor.fault === null && <p class="hint">No reading yet.</p>}
            {Object.entries(sensor.reading ?? {}).map(([quantity, value]) => {
              const key = `${name}\u0000${quantity}`;
              return (
                <div key={quantity} class="quantity">
                  <p class="reading">
                    <span class="muted">{quantityUnit(quantity).label}</span> <strong>{formatReading(quantity, value)}</strong>
                  </p>
                  {props.canChart && (
                    <SensorChart
                      quantity={quantity}
                      points={history[key]?.points ?? null}
                      problem={history[key]?.problem ?? null}
                      serverNowMs={props.serverNowMs}
                    />
                  )}
                </div>
              );
            })}
          </article>
        );
      })}
    </Panel>
  );
}

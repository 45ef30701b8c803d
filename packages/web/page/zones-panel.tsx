import { formatRelative } from "./format.js";
import { Panel } from "./panel.js";
import type { ZoneSection } from "./protocol.js";

function zoneWord(zone: ZoneSection): "open" | "closed" | "unknown" {
  return zone.open === null ? "unknown" : zone.open ? "open" : "closed";
}

/** Each zone: its type, open / closed / unknown, its trouble, and how fresh its last report is. */
export function ZonesPanel(props: { zones: Record<string, ZoneSection>; serverNowMs: number }) {
  const names = Object.keys(props.zones).sort();
  return (
    <Panel id="zones" title="Zones">
      {names.length === 0 ? (
        <p>No zones are configured.</p>
      ) : (
        <ul class="rows">
          {names.map((name) => {
            const zone = props.zones[name] as ZoneSection;
            const word = zoneWord(zone);
            return (
              <li key={name} class="row">
                <span class="row-main">
                  <strong>{name}</strong> <span class="muted">{zone.type}</span>
                </span>
                <span class={`pill pill-${word}`}>{word}</span>
                {zone.trouble !== null && <span class="pill pill-trouble">trouble: {zone.trouble}</span>}
                <span class="muted row-end">
                  {zone.at === null ? "no report yet" : formatRelative(Math.min(0, zone.at - props.serverNowMs))}
                </span>
              </li>
            );
          })}
        </ul>
      )}
    </Panel>
  );
}

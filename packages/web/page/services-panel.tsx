import { formatDuration, formatMegabytes, formatNumber, formatWhen } from "./format.js";
import { Panel } from "./panel.js";
import type { ServicesSection } from "./protocol.js";

/** The launcher's table, live (what matters first: a narrow column scrolls to the PID); why it is missing when the launcher cannot be asked. */
export function ServicesPanel(props: { services: ServicesSection | null; serverNowMs: number }) {
  const { services } = props;
  const dash = <span class="muted">–</span>;
  return (
    <Panel id="services" title="Services">
      {services === null ? (
        <p>The launcher's table has not been read yet.</p>
      ) : (
        <>
          {services.problem !== null && <p class="notice error">{services.problem}</p>}
          {services.rows.length > 0 && (
            <div class="table-scroll" role="region" aria-label="Services table" tabIndex={0}>
              <table>
                <thead>
                  <tr>
                    <th scope="col">Service</th>
                    <th scope="col">State</th>
                    <th scope="col">Restarts</th>
                    <th scope="col">Memory</th>
                    <th scope="col">Heartbeat</th>
                    <th scope="col">Uptime</th>
                    <th scope="col">PID</th>
                  </tr>
                </thead>
                <tbody>
                  {services.rows.map((row) => [
                    <tr key={row.service}>
                      <th scope="row">{row.service}</th>
                      <td>
                        <span class={`pill pill-${row.state === "running" ? "ok" : row.state === "stopped" ? "unknown" : "open"}`}>
                          {row.state}
                        </span>
                      </td>
                      <td class="num">{formatNumber(row.restarts)}</td>
                      <td class="num">{row.pss_bytes == null ? dash : formatMegabytes(row.pss_bytes)}</td>
                      <td class="num">{row.heartbeat_age_s === null ? dash : `${formatDuration(row.heartbeat_age_s)} ago`}</td>
                      <td class="num">{row.uptime_s === null ? dash : formatDuration(row.uptime_s)}</td>
                      <td class="num">{row.pid ?? dash}</td>
                    </tr>,
                    (row.problem ?? row.reason) !== undefined && (
                      <tr key={`${row.service}-problem`} class="problem-row">
                        <td colSpan={7}>
                          {row.problem !== undefined ? "Problem" : "Last exit"}: {row.problem ?? row.reason}
                        </td>
                      </tr>
                    ),
                  ])}
                </tbody>
              </table>
            </div>
          )}
          <p class="hint">Read at {formatWhen(services.at, props.serverNowMs)}.</p>
        </>
      )}
    </Panel>
  );
}

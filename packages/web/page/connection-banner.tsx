import type { ConnectionStatus } from "./connection.js";
import { formatNumber } from "./format.js";

/**
 * Says plainly when what the page shows may be old: the socket is down or quiet, with the next
 * attempt's countdown and a button to try at once. The live region holds the steady words only
 * (a countdown inside it would be read out every second) and is always in the page, so a
 * screen reader hears it change.
 */
export function ConnectionBanner(props: { status: ConnectionStatus; nowMs: number; onRetry: () => void }) {
  const { status } = props;
  const down = status.kind === "lost" || (status.kind === "connecting" && status.attempt > 0);
  const headline = down ? "Connection lost — reconnecting…" : status.kind === "connecting" ? "Connecting…" : "";
  const seconds = status.kind === "lost" ? Math.max(0, Math.ceil((status.retryAtMs - props.nowMs) / 1000)) : 0;
  return (
    <div class={headline === "" ? "banner-slot" : down ? "banner warn sticky" : "banner sticky"} role="region" aria-label="Connection">
      <p role="status" class="banner-text">
        {headline}
      </p>
      {status.kind === "lost" && (
        <p class="banner-detail">
          {seconds > 0 ? `Next attempt in ${formatNumber(seconds)} s` : "Trying now"} ({status.why}).{" "}
          <button type="button" onClick={props.onRetry}>
            Reconnect now
          </button>
        </p>
      )}
    </div>
  );
}

import { request, RequestError } from "@roomguard/bus";
import type { ServiceRow, ServicesSection } from "../page/protocol.js";

export interface LauncherStatusOptions {
  /** The launcher's control socket (`launcher.control`). */
  endpoint: string;
  intervalMs: number;
  /** Asked only while this says so (a page is open): nobody looks, nobody asks. */
  wanted(): boolean;
  onStatus(section: ServicesSection): void;
}

/**
 * Reads the launcher's status table (`status` on its control socket, as `roomguard status` does)
 * every interval while a page is open. A launcher that does not answer (services run by hand,
 * or it is restarting) is a `problem` with no rows, never an error.
 */
export function watchLauncherStatus(options: LauncherStatusOptions): { refresh(): void; stop(): void } {
  let asking = false;
  const refresh = (): void => {
    if (asking || !options.wanted()) return;
    asking = true;
    request<{ services?: unknown }>(options.endpoint, "status", {}, { timeoutMs: 2000, service: "the launcher" })
      .then((result) => options.onStatus({ rows: rowsOf(result.services), at: Date.now(), problem: null }))
      .catch((error: unknown) => {
        const problem = error instanceof RequestError ? `the launcher does not answer: ${error.reason}` : String(error);
        options.onStatus({ rows: [], at: Date.now(), problem });
      })
      .finally(() => (asking = false));
  };
  const timer = setInterval(refresh, options.intervalMs);
  timer.unref();
  return { refresh, stop: () => clearInterval(timer) };
}

function rowsOf(services: unknown): ServiceRow[] {
  if (!Array.isArray(services)) return [];
  return services.flatMap((item: unknown): ServiceRow[] => {
    if (typeof item !== "object" || item === null) return [];
    const row = item as Record<string, unknown>;
    if (typeof row.service !== "string" || typeof row.state !== "string") return [];
    const num = (value: unknown): number | null => (typeof value === "number" && Number.isFinite(value) ? value : null);
    const memory = typeof row.memory === "object" && row.memory !== null ? (row.memory as Record<string, unknown>) : null;
    return [
      {
        service: row.service,
        state: row.state,
        pid: num(row.pid),
        uptime_s: num(row.uptime_s),
        heartbeat_age_s: num(row.heartbeat_age_s),
        restarts: num(row.restarts) ?? 0,
        ...(typeof row.reason === "string" ? { reason: row.reason } : {}),
        ...(typeof row.problem === "string" ? { problem: row.problem } : {}),
        pss_bytes: num(memory?.pss_bytes),
      },
    ];
  });
}

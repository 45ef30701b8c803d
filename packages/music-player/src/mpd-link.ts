import { backoffDelay, type Backoff, type Clock, type Logger, type TimerHandle } from "@roomguard/runtime";
import { describeAddress, MpdConnection, type MpdAddress } from "./mpd-connection.js";
import { MpdError } from "./mpd-protocol.js";

export interface MpdLinkOptions {
  address: MpdAddress;
  log: Logger;
  clock: Clock;
  /** MPD's changes, as `idle` reports them. */
  onChange: (subsystems: string[]) => void;
  /** Each time a connection is (re)established. */
  onConnected: (connection: MpdConnection) => void;
  /** Each time an established connection is lost. */
  onLost: (error: MpdError) => void;
  /** When connecting fails for a reason not reported just before. */
  onUnreachable?: (error: MpdError) => void;
}

export interface MpdLinkStatus {
  state: "connecting" | "connected" | "unreachable" | "stopped";
  address: string;
  version?: string;
  error?: string;
  retry_in_s?: number;
  failures: number;
}

/** Between tries to reach MPD, in ms: 0.25 s, doubling, at most 10 s. */
const RETRY_MS: Backoff = { first: 250, max: 10_000 };

/**
 * Keeps a connection to MPD: connects, and after a refusal or a loss (MPD restarted,
 * crashed, hung) tries again after 0.25, 0.5, 1 … 10 s, for as long as the service runs.
 */
export function linkToMpd(options: MpdLinkOptions): {
  connection(): MpdConnection | undefined;
  status(): MpdLinkStatus;
  stop(): void;
} {
  const where = describeAddress(options.address);
  let connection: MpdConnection | undefined;
  let state: MpdLinkStatus["state"] = "connecting";
  let failures = 0;
  let lastError: MpdError | undefined;
  let retryAt: number | undefined;
  let timer: TimerHandle | undefined;

  const retry = (error: MpdError): void => {
    failures += 1;
    const delay = backoffDelay(failures, RETRY_MS);
    // The first failure of a kind is news; the same one again every few seconds is not.
    const level = lastError?.message === error.message ? "debug" : "warn";
    options.log[level]("MPD is not reachable; trying again", { address: where, error: error.message, retryInS: delay / 1000 });
    if (level === "warn") options.onUnreachable?.(error);
    lastError = error;
    state = "unreachable";
    retryAt = options.clock.now() + delay;
    timer = options.clock.setTimeout(attempt, delay);
  };

  function attempt(): void {
    timer = undefined;
    retryAt = undefined;
    MpdConnection.open(options.address, {
      onChange: options.onChange,
      onClose: (error) => {
        if (state === "stopped") return;
        connection = undefined;
        const reason = error ?? new MpdError("ECLOSED", `MPD at ${where} closed the connection`);
        options.log.warn("lost the connection to MPD", { address: where, error: reason.message });
        options.onLost(reason);
        lastError = reason; // already said: the retry need not say it again
        failures = 0;
        retry(reason);
      },
    }).then(
      (opened) => {
        if (state === "stopped") {
          opened.close();
          return;
        }
        connection = opened;
        state = "connected";
        failures = 0;
        lastError = undefined;
        options.log.info("connected to MPD", { address: where, version: opened.version });
        options.onConnected(opened);
      },
      (error: unknown) => {
        if (state === "stopped") return;
        retry(error instanceof MpdError ? error : new MpdError("ECLOSED", String(error)));
      },
    );
  }
  attempt();

  return {
    connection: () => connection,
    status: () => ({
      state,
      address: where,
      failures,
      ...(connection ? { version: connection.version } : {}),
      ...(lastError && state !== "connected" ? { error: lastError.message } : {}),
      ...(retryAt === undefined ? {} : { retry_in_s: Math.max(0, Math.round((retryAt - options.clock.now()) / 100) / 10) }),
    }),
    stop() {
      state = "stopped";
      if (timer) options.clock.clearTimeout(timer);
      connection?.close();
      connection = undefined;
    },
  };
}

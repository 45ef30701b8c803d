import { backoffDelay, ExitCode, type Clock, type TimerHandle } from "@roomguard/runtime";

/** What the supervisor needs of the operating system; main.ts gives it real processes. */
export interface ProcessPort {
  /** Starts the service in its own process group and returns its pid. Throws when it cannot. */
  start(service: string): number;
  /** True while the process exists and is not a zombie. */
  isAlive(pid: number): boolean;
  /** Signals the service's whole process group (a private mpd goes with the music player). */
  kill(pid: number, signal: NodeJS.Signals): void;
  /** Asks the service to stop: `CONTROL: <service> STOP` over the bus (the router, which ignores that by default, gets SIGTERM). */
  askToStop(service: string, pid: number): void;
}

/** `LAUNCHER: <event> {…}` — every start, adoption, loss, restart, give-up and stop. */
export interface LauncherEvent {
  event: "start" | "adopt" | "lost" | "restart" | "give-up" | "stop";
  service: string;
  pid?: number;
  reason?: string;
  restarts?: number;
  retry_in_s?: number;
}

export type ServiceState = "starting" | "running" | "waiting" | "stopping" | "stopped" | "failed";

/** One line of `list`/`status`. */
export interface ServiceView {
  service: string;
  state: ServiceState;
  pid: number | null;
  uptime_s: number | null;
  heartbeat_age_s: number | null;
  restarts: number;
  reason?: string;
  /** What the service's last heartbeat said is wrong (`problem`), such as MPD missing. */
  problem?: string;
}

export interface SupervisorOptions {
  /** The services in start order; they stop in the reverse order. */
  services: readonly string[];
  /** Seconds between a service's heartbeats (bus.heartbeatIntervalS). */
  heartbeatIntervalS: number;
  /** A service is lost (hung) after this many intervals without a heartbeat. */
  missedHeartbeats: number;
  /** Seconds a starting service has for its first heartbeat. */
  startGraceS: number;
  /** First restart delay; it doubles per loss in a row, up to maxRestartDelayS. */
  restartDelayS: number;
  maxRestartDelayS: number;
  /** Losses in a row after which a crash loop is given up (and reported). */
  maxRestarts: number;
  /** Running this long with heartbeats makes the losses in a row count from zero again. */
  stableS: number;
  /** STOP over the bus, SIGTERM at half this, SIGKILL at the end. */
  stopTimeoutS: number;
  clock: Clock;
  processes: ProcessPort;
  report: (event: LauncherEvent) => void;
}

interface Supervised {
  service: string;
  state: ServiceState;
  pid?: number;
  startedAt?: number;
  heartbeatAt?: number;
  /** Restarts since the launcher began (shown); losses in a row (for backoff and give-up). */
  restarts: number;
  lossesInRow: number;
  retryAt?: number;
  stopDeadline?: number;
  termSent?: boolean;
  reason?: string;
  problem?: string;
  stopped?: Array<() => void>;
}

/**
 * Keeps services running: starts them, notices when one is lost — it exited, or its heartbeat
 * stopped (a hung process: killed before its replacement starts) — restarts it with a growing
 * delay, and gives a crash loop up after `maxRestarts` losses in a row. Driven by a clock, so
 * tests run it in fake time.
 */
export class Supervisor {
  private readonly services = new Map<string, Supervised>();
  private readonly timer: TimerHandle;
  private heartbeatsFlow = true;

  constructor(private readonly options: SupervisorOptions) {
    for (const service of options.services) this.services.set(service, { service, state: "stopped", restarts: 0, lossesInRow: 0 });
    this.timer = options.clock.setInterval(() => this.check(), 250);
  }

  /** The names it knows, in start order. */
  get names(): string[] {
    return [...this.services.keys()];
  }

  has(service: string): boolean {
    return this.services.has(service);
  }

  /** Takes over a running service found by its heartbeat (a launcher that came back). */
  adopt(service: string, pid: number): void {
    const entry = this.entry(service);
    if (entry.state === "starting" || entry.state === "running" || entry.state === "stopping") return;
    Object.assign(entry, {
      state: "running",
      pid,
      startedAt: this.options.clock.now(),
      heartbeatAt: this.options.clock.now(),
      reason: undefined,
    });
    this.options.report({ event: "adopt", service, pid });
  }

  /** Starts a service that is not running (also one that was given up). */
  start(service: string): void {
    const entry = this.entry(service);
    if (entry.state === "starting" || entry.state === "running" || entry.state === "stopping") return;
    entry.lossesInRow = 0;
    this.launch(entry, "start");
  }

  /**
   * A heartbeat came. One from another live process for a service that is not running here
   * (started by hand, or by a launcher that died) adopts it rather than starting a second.
   */
  heartbeat(service: string, pid: number, problem?: string): void {
    const entry = this.services.get(service);
    if (!entry) return;
    const live = entry.state === "starting" || entry.state === "running" || entry.state === "stopping";
    if (!live && entry.pid !== pid && this.options.processes.isAlive(pid)) {
      this.adopt(service, pid);
      return;
    }
    if (entry.pid !== pid || (entry.state !== "starting" && entry.state !== "running")) return;
    const now = this.options.clock.now();
    entry.heartbeatAt = now;
    entry.state = "running";
    entry.problem = problem;
    if (entry.lossesInRow > 0 && entry.startedAt !== undefined && now - entry.startedAt >= this.options.stableS * 1000)
      entry.lossesInRow = 0;
  }

  /**
   * Whether heartbeats can reach the launcher at all. While the bus is down (the router
   * restarting) silence proves nothing; when it is back, every service's silence counts from then.
   */
  setHeartbeatsFlow(flowing: boolean): void {
    if (flowing && !this.heartbeatsFlow) {
      const now = this.options.clock.now();
      for (const entry of this.services.values()) if (entry.heartbeatAt !== undefined) entry.heartbeatAt = now;
    }
    this.heartbeatsFlow = flowing;
  }

  /** A child of ours exited (main.ts forwards the exit code; adopted ones are found by polling). */
  exited(pid: number, code: number | null): void {
    for (const entry of this.services.values()) if (entry.pid === pid) this.gone(entry, code);
  }

  /** Kills a service as a crash would: it is lost, and restarted. */
  kill(service: string): void {
    const entry = this.entry(service);
    if (entry.pid !== undefined) this.options.processes.kill(entry.pid, "SIGKILL");
  }

  /** A clean stop: STOP over the bus, then SIGTERM, then SIGKILL. Resolves when it is gone. */
  stop(service: string): Promise<void> {
    const entry = this.entry(service);
    if (entry.state === "waiting" || entry.state === "failed") {
      entry.state = "stopped";
      entry.retryAt = undefined;
    }
    if (entry.state === "stopped") return Promise.resolve();
    if (entry.state !== "stopping") {
      entry.state = "stopping";
      entry.stopDeadline = this.options.clock.now() + this.options.stopTimeoutS * 1000;
      entry.termSent = false;
      if (entry.pid !== undefined) this.options.processes.askToStop(service, entry.pid);
    }
    return new Promise((resolve) => (entry.stopped ??= []).push(resolve));
  }

  /** Kills every service now and restarts none: an emergency stop. */
  killAll(): void {
    for (const entry of this.services.values()) {
      if (entry.state === "waiting" || entry.state === "failed") {
        entry.state = "stopped";
        entry.retryAt = undefined;
      }
      if (entry.state === "stopped") continue;
      entry.state = "stopping";
      entry.stopDeadline = this.options.clock.now();
      if (entry.pid !== undefined) this.options.processes.kill(entry.pid, "SIGKILL");
    }
  }

  /** Every service, in the reverse order of start, one after the other. */
  async stopAll(): Promise<void> {
    for (const service of [...this.services.keys()].reverse()) await this.stop(service);
  }

  async restart(service: string): Promise<void> {
    await this.stop(service);
    this.start(service);
  }

  list(): ServiceView[] {
    const now = this.options.clock.now();
    const seconds = (since: number | undefined): number | null => (since === undefined ? null : Math.round((now - since) / 100) / 10);
    return [...this.services.values()].map((entry) => {
      const live = entry.state === "starting" || entry.state === "running" || entry.state === "stopping";
      return {
        service: entry.service,
        state: entry.state,
        pid: live ? (entry.pid ?? null) : null,
        uptime_s: live ? seconds(entry.startedAt) : null,
        heartbeat_age_s: live ? seconds(entry.heartbeatAt) : null,
        restarts: entry.restarts,
        ...(entry.reason === undefined ? {} : { reason: entry.reason }),
        ...(live && entry.problem !== undefined ? { problem: entry.problem } : {}),
      };
    });
  }

  /** Stops watching; the processes are left as they are. */
  close(): void {
    this.options.clock.clearInterval(this.timer);
  }

  private entry(service: string): Supervised {
    const entry = this.services.get(service);
    if (!entry) throw new Error(`unknown service "${service}"; known: ${this.names.join(", ")}`);
    return entry;
  }

  private launch(entry: Supervised, event: "start" | "restart"): void {
    const now = this.options.clock.now();
    entry.retryAt = undefined;
    entry.heartbeatAt = undefined;
    entry.reason = undefined;
    try {
      entry.pid = this.options.processes.start(entry.service);
    } catch (error) {
      entry.pid = undefined;
      this.lost(entry, `cannot start: ${(error as Error).message}`);
      return;
    }
    entry.state = "starting";
    entry.startedAt = now;
    this.options.report({ event, service: entry.service, pid: entry.pid, ...(event === "restart" ? { restarts: entry.restarts } : {}) });
  }

  private check(): void {
    const now = this.options.clock.now();
    for (const entry of this.services.values()) {
      if (entry.state === "starting" || entry.state === "running") {
        if (entry.pid === undefined || !this.options.processes.isAlive(entry.pid)) {
          this.gone(entry, null);
          continue;
        }
        if (!this.heartbeatsFlow) continue;
        const silentFor = now - (entry.heartbeatAt ?? entry.startedAt ?? now);
        const allowed =
          entry.heartbeatAt === undefined ? this.options.startGraceS : this.options.missedHeartbeats * this.options.heartbeatIntervalS;
        if (silentFor > allowed * 1000) {
          // A hung process still holds its sockets and pins: it goes before its replacement comes.
          this.options.processes.kill(entry.pid, "SIGKILL");
          this.lost(entry, `hung: no heartbeat for ${Math.round(silentFor / 100) / 10} s`);
        }
      } else if (entry.state === "waiting" && entry.retryAt !== undefined && now >= entry.retryAt) {
        if (entry.pid !== undefined && this.options.processes.isAlive(entry.pid)) this.options.processes.kill(entry.pid, "SIGKILL");
        else {
          entry.restarts += 1;
          this.launch(entry, "restart");
        }
      } else if (entry.state === "stopping") {
        if (entry.pid === undefined || !this.options.processes.isAlive(entry.pid)) this.finishStop(entry);
        else if (now >= (entry.stopDeadline ?? now)) this.options.processes.kill(entry.pid, "SIGKILL");
        else if (!entry.termSent && now >= (entry.stopDeadline ?? now) - (this.options.stopTimeoutS * 1000) / 2) {
          entry.termSent = true;
          this.options.processes.kill(entry.pid, "SIGTERM");
        }
      }
    }
  }

  private gone(entry: Supervised, code: number | null): void {
    if (entry.state === "stopping") {
      this.finishStop(entry);
      return;
    }
    if (entry.state !== "starting" && entry.state !== "running") return;
    if (code === ExitCode.config) {
      entry.state = "failed";
      entry.reason = "its config is invalid (exit 78): fix it, then start it again";
      this.options.report({ event: "give-up", service: entry.service, pid: entry.pid, reason: entry.reason });
      return;
    }
    this.lost(entry, code === null ? "exited" : `exited with code ${code}`);
  }

  private lost(entry: Supervised, reason: string): void {
    entry.lossesInRow += 1;
    entry.reason = reason;
    if (entry.lossesInRow > this.options.maxRestarts) {
      entry.state = "failed";
      entry.reason = `${reason}; gave up after ${this.options.maxRestarts} restarts in a row`;
      this.options.report({ event: "lost", service: entry.service, ...this.pidOf(entry), reason });
      this.options.report({ event: "give-up", service: entry.service, reason: entry.reason, restarts: entry.restarts });
      return;
    }
    const delayS = backoffDelay(entry.lossesInRow, { first: this.options.restartDelayS, max: this.options.maxRestartDelayS });
    entry.state = "waiting";
    entry.retryAt = this.options.clock.now() + delayS * 1000;
    this.options.report({ event: "lost", service: entry.service, ...this.pidOf(entry), reason, retry_in_s: delayS });
  }

  private finishStop(entry: Supervised): void {
    entry.state = "stopped";
    entry.reason = undefined;
    this.options.report({ event: "stop", service: entry.service, ...this.pidOf(entry) });
    for (const resolve of entry.stopped?.splice(0) ?? []) resolve();
  }

  private pidOf(entry: Supervised): { pid?: number } {
    return entry.pid === undefined ? {} : { pid: entry.pid };
  }
}

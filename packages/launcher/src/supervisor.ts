import { backoffDelay, ExitCode, type Clock, type ProcessIdentity, type TimerHandle } from "@roomguard/runtime";

/** What /proc says of a process: `stopped` is SIGSTOPped (alive, but it can say nothing); `gone` has ended, or its pid is now another process's. */
export type ProcessState = "running" | "stopped" | "gone";

/**
 * What the supervisor needs of the operating system; main.ts gives it real processes
 * (processes.ts). It signals only processes it started or claimed, each checked right before.
 */
export interface ProcessPort {
  /** Starts the service in a session and process group of its own and returns its pid. Throws when it cannot. */
  start(service: string): number;
  /**
   * Takes `pid` on as `service` when /proc proves that is what it is: a process of this user
   * running that service's program (and with `recorded`, still the process the pid file
   * recorded). False: not proven, so it is neither adopted nor ever signalled.
   */
  claim(service: string, pid: number, recorded?: ProcessIdentity): boolean;
  /** What a process it started or claimed is now. */
  stateOf(pid: number): ProcessState;
  /** SIGTERM to the process alone: a clean stop, in which it stops its own children. */
  terminate(pid: number): void;
  /** SIGKILL to its whole process group (a private mpd goes with the music player). */
  kill(pid: number): void;
}

/**
 * What became of a heartbeat. `counted` and `adopted` are the usual ones; the others are
 * ignored, and say why: `unproven` (for a service not running here, from a process that is not
 * provably that service), `not-supervised` (from another pid than the supervised process),
 * `stopped-process` (from a process that /proc says is stopped or has ended), `not-running` (for
 * a service that is stopping or is not supervised), `held` (kept until adoptions are allowed).
 */
export type HeartbeatVerdict = "counted" | "adopted" | "unproven" | "not-supervised" | "stopped-process" | "not-running" | "held";

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
  /** A stop sends SIGTERM, and SIGKILL this many seconds later. */
  stopTimeoutS: number;
  clock: Clock;
  processes: ProcessPort;
  report: (event: LauncherEvent) => void;
  /**
   * Heartbeats do not adopt until {@link Supervisor.allowAdoptions} (the latest of each service's
   * is kept and then looked at): the launcher first makes sure that no other launcher runs them.
   */
  adoptionsHeld?: boolean;
  /** The supervisor's own checks came `lateMs` late (the launcher was stopped or starved); nobody was judged on that silence. */
  onStall?: (lateMs: number) => void;
}

/** How often the supervisor looks at its services. */
const CHECK_EVERY_MS = 250;

/**
 * How long a clean exit waits for the bus STOP that may explain it. The STOP reaches the service
 * and the launcher on two sockets: a service that exits fast can be seen gone before the
 * launcher reads the STOP (seen in CI on a loaded machine).
 */
const STOP_LAG_MS = 2000;

interface Supervised {
  service: string;
  state: ServiceState;
  pid?: number;
  startedAt?: number;
  heartbeatAt?: number;
  /** Where its silence is counted from: its start, its last heartbeat, or the last time heartbeats could not arrive. */
  quietSince?: number;
  /** When a `CONTROL: <service|all> STOP` was seen on the bus (with bus.acceptStop): an exit soon after is an operator's stop. */
  busStopAt?: number;
  /** A clean exit not yet judged: the STOP that caused it may still be on its way to the launcher. */
  cleanExit?: { at: number; code: number | undefined };
  /** The latest heartbeat while adoptions are held. */
  held?: { pid: number; problem: string | undefined };
  /** Restarts since the launcher began (shown); losses in a row (for backoff and give-up). */
  restarts: number;
  lossesInRow: number;
  retryAt?: number;
  stopDeadline?: number;
  reason?: string;
  problem?: string;
  stopped?: Array<() => void>;
  /** Who waits for it to leave `starting`: its first heartbeat, or its loss. */
  settling?: Array<(view: ServiceView) => void>;
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
  private adoptionsHeld: boolean;
  private lastCheckAt: number;

  constructor(private readonly options: SupervisorOptions) {
    for (const service of options.services) this.services.set(service, { service, state: "stopped", restarts: 0, lossesInRow: 0 });
    this.adoptionsHeld = options.adoptionsHeld ?? false;
    this.lastCheckAt = options.clock.now();
    this.timer = options.clock.setInterval(() => this.check(), CHECK_EVERY_MS);
  }

  /** The names it knows, in start order. */
  get names(): string[] {
    return [...this.services.keys()];
  }

  has(service: string): boolean {
    return this.services.has(service);
  }

  /**
   * Takes over a running service: one the pid file names, or found by its heartbeat (a launcher
   * that came back, a service started by hand). `pid` must have been claimed from the process port.
   */
  adopt(service: string, pid: number): void {
    const entry = this.entry(service);
    if (isLive(entry)) return;
    Object.assign(entry, {
      state: "running",
      pid,
      startedAt: this.options.clock.now(),
      heartbeatAt: this.options.clock.now(),
      quietSince: this.options.clock.now(),
      reason: undefined,
      busStopAt: undefined,
      cleanExit: undefined,
    });
    this.options.report({ event: "adopt", service, pid });
  }

  /** Starts a service that is not running (also one that was given up). */
  start(service: string): void {
    const entry = this.entry(service);
    if (isLive(entry)) return;
    entry.lossesInRow = 0;
    this.launch(entry, "start");
  }

  /**
   * A heartbeat came: anyone on the bus can send one, so its pid is checked against /proc. For a
   * service that is not running here, one from a process that provably is that service (started
   * by hand, or by a launcher that died) adopts it rather than starting a second; any other pid
   * is ignored. For a supervised service only its own process counts, and only while /proc says
   * it runs: a heartbeat naming a stopped or ended process cannot keep it "running".
   */
  heartbeat(service: string, pid: number, problem?: string): HeartbeatVerdict {
    const entry = this.services.get(service);
    if (!entry) return "not-running";
    if (!isLive(entry)) {
      if (this.adoptionsHeld) {
        entry.held = { pid, problem };
        return "held";
      }
      if (!this.options.processes.claim(service, pid)) return "unproven";
      this.adopt(service, pid);
      entry.problem = problem;
      this.tellSettled(entry);
      return "adopted";
    }
    if (entry.state === "stopping") return "not-running";
    if (entry.pid !== pid) return "not-supervised";
    if (this.options.processes.stateOf(pid) !== "running") return "stopped-process";
    const now = this.options.clock.now();
    entry.heartbeatAt = now;
    entry.quietSince = now;
    entry.state = "running";
    entry.problem = problem;
    if (entry.lossesInRow > 0 && entry.startedAt !== undefined && now - entry.startedAt >= this.options.stableS * 1000)
      entry.lossesInRow = 0;
    this.tellSettled(entry);
    return "counted";
  }

  /** Lets heartbeats adopt, and takes the latest held one of each service as if it came now; says what became of those. */
  allowAdoptions(): { service: string; pid: number; verdict: HeartbeatVerdict }[] {
    this.adoptionsHeld = false;
    const verdicts = [];
    for (const entry of this.services.values()) {
      const held = entry.held;
      entry.held = undefined;
      if (held) verdicts.push({ service: entry.service, pid: held.pid, verdict: this.heartbeat(entry.service, held.pid, held.problem) });
    }
    return verdicts;
  }

  /**
   * `CONTROL: <service> STOP` (or `all`) was seen on the bus, which the service obeys with
   * bus.acceptStop: if it exits cleanly within stopTimeoutS, that is an operator's stop — it
   * stays stopped, and it is no loss.
   */
  stopSeenOnBus(service: string): void {
    const entry = this.services.get(service);
    if (entry && (entry.state === "starting" || entry.state === "running")) entry.busStopAt = this.options.clock.now();
  }

  /**
   * Whether heartbeats can reach the launcher at all. While the bus is down (the router
   * restarting) silence proves nothing; when it is back, every service's silence counts from then.
   */
  setHeartbeatsFlow(flowing: boolean): void {
    if (flowing && !this.heartbeatsFlow) this.forgiveSilence();
    this.heartbeatsFlow = flowing;
  }

  /** A child of ours exited with `code`, or `signal` ended it (main.ts forwards both; adopted ones are found by polling). */
  exited(pid: number, code: number | null, signal?: NodeJS.Signals | null): void {
    for (const entry of this.services.values()) if (entry.pid === pid) this.gone(entry, code ?? signal ?? undefined);
  }

  /** Kills a service as a crash would: it is lost, and restarted. */
  kill(service: string): void {
    const entry = this.entry(service);
    if (entry.pid !== undefined) this.options.processes.kill(entry.pid);
  }

  /** A clean stop: SIGTERM, then SIGKILL after stopTimeoutS. Resolves when it is gone. */
  stop(service: string): Promise<void> {
    const entry = this.entry(service);
    settleIdle(entry);
    if (entry.state === "stopped") return Promise.resolve();
    if (entry.state !== "stopping") {
      entry.state = "stopping";
      entry.stopDeadline = this.options.clock.now() + this.options.stopTimeoutS * 1000;
      if (entry.pid !== undefined) this.options.processes.terminate(entry.pid);
    }
    return new Promise((resolve) => (entry.stopped ??= []).push(resolve));
  }

  /** Kills every service now and restarts none: an emergency stop. */
  killAll(): void {
    for (const entry of this.services.values()) {
      settleIdle(entry);
      if (entry.state === "stopped") continue;
      entry.state = "stopping";
      entry.stopDeadline = this.options.clock.now();
      if (entry.pid !== undefined) this.options.processes.kill(entry.pid);
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

  /**
   * Resolves once the service is no longer `starting`: running (its first heartbeat came, so it
   * has bound what it serves), or lost, given up or stopped on the way (its view says why).
   * The start grace bounds the wait: a service silent that long is lost.
   */
  settled(service: string): Promise<ServiceView> {
    const entry = this.entry(service);
    if (entry.state !== "starting") return Promise.resolve(this.viewOf(entry));
    return new Promise((resolve) => (entry.settling ??= []).push(resolve));
  }

  list(): ServiceView[] {
    return [...this.services.values()].map((entry) => this.viewOf(entry));
  }

  /** Stops watching; the processes are left as they are. */
  close(): void {
    this.options.clock.clearInterval(this.timer);
  }

  private viewOf(entry: Supervised): ServiceView {
    const now = this.options.clock.now();
    const seconds = (since: number | undefined): number | null => (since === undefined ? null : Math.round((now - since) / 100) / 10);
    const live = isLive(entry);
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
  }

  /** Tells those waiting for a starting service that it has settled, one way or the other. */
  private tellSettled(entry: Supervised): void {
    if (entry.state === "starting" || !entry.settling?.length) return;
    const view = this.viewOf(entry);
    for (const resolve of entry.settling.splice(0)) resolve(view);
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
    entry.busStopAt = undefined;
    entry.cleanExit = undefined;
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
    entry.quietSince = now;
    this.options.report({ event, service: entry.service, pid: entry.pid, ...(event === "restart" ? { restarts: entry.restarts } : {}) });
  }

  private check(): void {
    const now = this.options.clock.now();
    // Its own silence is not theirs: a check far later than due means the launcher itself did not
    // run (SIGSTOP, a starved machine), and the heartbeats meanwhile are still unread.
    const lateMs = now - this.lastCheckAt - CHECK_EVERY_MS;
    this.lastCheckAt = now;
    if (lateMs > this.options.heartbeatIntervalS * 1000) {
      this.forgiveSilence();
      this.options.onStall?.(lateMs);
    }
    for (const entry of this.services.values()) {
      if (entry.state === "starting" || entry.state === "running") {
        if (entry.pid === undefined || this.options.processes.stateOf(entry.pid) === "gone") {
          this.gone(entry, undefined);
          continue;
        }
        if (!this.heartbeatsFlow) continue;
        const silentFor = now - (entry.quietSince ?? now);
        const allowed =
          entry.heartbeatAt === undefined ? this.options.startGraceS : this.options.missedHeartbeats * this.options.heartbeatIntervalS;
        if (silentFor > allowed * 1000) {
          // A hung process still holds its sockets and pins: it goes before its replacement comes.
          this.options.processes.kill(entry.pid);
          this.lost(entry, `hung: no heartbeat for ${Math.round(silentFor / 100) / 10} s`);
        }
      } else if (entry.state === "waiting" && entry.retryAt !== undefined && now >= entry.retryAt) {
        if (entry.pid !== undefined && this.options.processes.stateOf(entry.pid) !== "gone") this.options.processes.kill(entry.pid);
        else {
          entry.restarts += 1;
          this.launch(entry, "restart");
        }
      } else if (entry.state === "stopping") {
        if (entry.pid === undefined || this.options.processes.stateOf(entry.pid) === "gone") this.finishStop(entry);
        else if (now >= (entry.stopDeadline ?? now)) this.options.processes.kill(entry.pid);
      }
    }
    for (const entry of this.services.values()) this.tellSettled(entry);
  }

  /** Every live service's silence counts from now: until now, none of its heartbeats could be read. */
  private forgiveSilence(): void {
    const now = this.options.clock.now();
    for (const entry of this.services.values()) if (entry.quietSince !== undefined) entry.quietSince = now;
  }

  /** Its process ended: with an exit code, by a signal, or (not our child) nobody knows how. */
  private gone(entry: Supervised, code: number | NodeJS.Signals | undefined): void {
    if (entry.state === "stopping") {
      this.finishStop(entry);
      return;
    }
    if (entry.state !== "starting" && entry.state !== "running") return;
    const now = this.options.clock.now();
    if (code === 0 || code === undefined) {
      entry.cleanExit ??= { at: now, code };
      code = entry.cleanExit.code;
      if (entry.busStopAt === undefined && now - entry.cleanExit.at < STOP_LAG_MS) return; // judged again on the next check
    }
    if (entry.busStopAt !== undefined && now - entry.busStopAt <= this.options.stopTimeoutS * 1000 && (code === 0 || code === undefined)) {
      entry.state = "stopped";
      entry.reason = "stopped by a STOP from the bus; `start` starts it again";
      this.options.report({ event: "stop", service: entry.service, ...this.pidOf(entry), reason: entry.reason });
      return;
    }
    if (code === ExitCode.config) {
      entry.state = "failed";
      entry.reason = "its config is invalid (exit 78): fix it, then start it again";
      this.options.report({ event: "give-up", service: entry.service, pid: entry.pid, reason: entry.reason });
      return;
    }
    this.lost(entry, code === undefined ? "exited" : typeof code === "string" ? `killed by ${code}` : `exited with code ${code}`);
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

/** Its process is supervised: started or adopted, and neither lost nor stopped yet. */
function isLive(entry: Supervised): boolean {
  return entry.state === "starting" || entry.state === "running" || entry.state === "stopping";
}

/** One waiting for its restart, or given up, is stopped: a stop asked for means no retry comes. */
function settleIdle(entry: Supervised): void {
  if (entry.state !== "waiting" && entry.state !== "failed") return;
  entry.state = "stopped";
  entry.retryAt = undefined;
}

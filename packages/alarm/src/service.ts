import { RequestRefused, sensorSignal, subjectMessage, Topic, type BusMessage, type RequestHandlers } from "@roomguard/bus";
import type { Clock, Logger, TimerHandle } from "@roomguard/runtime";
import { isLockedOut, nextDeadline, publicView, resume, step, type AlarmView } from "./machine.js";
import { publicEvent } from "./public-event.js";
import { historyArgs, requestArgs } from "./request-args.js";
import { STATE_TROUBLE } from "./starting-state.js";
import type { AlarmConfig, AlarmEvent, AlarmInput, AlarmState, Source } from "./types.js";

import { zoneNameOf } from "./machine.js";

/** Whose code it was: a user's name, and whether it was their duress code. */
export type CodeOwner = { user: string; role: "admin" | "user"; duress: boolean } | null;

export interface AlarmServiceOptions {
  config: AlarmConfig;
  /** bus.heartbeatIntervalS: the state is published again this often, and a sensor reader silent 3 times as long is in trouble. */
  heartbeatIntervalS: number;
  clock: Clock;
  log: Logger;
  publish: (text: string) => Promise<void>;
  /** Stores a state durably before it is acted on (state-file.ts); throws when it cannot. */
  save: (state: AlarmState) => void;
  /** Appends a security event to the audit trail. */
  audit: (event: AlarmEvent) => void;
  /** The audit trail's latest events, newest first (`latestEvents` over the audit directory): the `history` request. */
  history: (query: { limit: number; before: number | undefined }) => Promise<{ events: AlarmEvent[]; skipped: number }>;
  /** Drives the siren (and lets the buzzer look at the new state). */
  outputs: (state: AlarmState) => void;
  /** Finds whose code this is; null for a wrong code. */
  checkCode: (code: string) => Promise<CodeOwner>;
}

/** Heartbeat intervals of silence after which the sensor reader's zones are in trouble. */
const MISSED_HEARTBEATS = 3;
const NO_HEARTBEAT = "no heartbeat from the sensor reader";

/** Whose heartbeat vouches for a zone's sensor: "" for this Pi's sensor reader, the room for `<room>/<id>` (a bridged Pi's). */
export function sensorSourceOf(sensor: string): string {
  const slash = sensor.indexOf("/");
  return slash < 0 ? "" : sensor.slice(0, slash);
}

/** The trouble of a zone whose sensor reader is silent: here, or in a bridged room. */
function noHeartbeat(source: string): string {
  return source === "" ? NO_HEARTBEAT : `no heartbeat from the sensor reader of ${source} (through the bridge)`;
}

/**
 * The alarm service without its sockets: bus messages and requests in, states, events, the
 * siren and the state file out. Every input goes through one queue, so a code being checked
 * never races a door opening; the state is stored before anything is published or answered.
 */
export class AlarmService {
  private state: AlarmState;
  private readonly zonesOf = new Map<string, string[]>();
  private queue: Promise<unknown> = Promise.resolve();
  private deadline: TimerHandle | undefined;
  private readonly repeat: TimerHandle;
  private readonly watchdog: TimerHandle;
  /** When each sensor reader was last heard: "" this Pi's, else a bridged room's (see sensorSourceOf). */
  private readonly sensorsHeardAt = new Map<string, number>();
  private storageProblem: string | undefined;
  private auditProblem: string | undefined;
  private closed = false;

  constructor(
    private readonly options: AlarmServiceOptions,
    stored: AlarmState,
  ) {
    this.state = stored;
    for (const zone of options.config.zones) this.zonesOf.set(zone.sensor, [...(this.zonesOf.get(zone.sensor) ?? []), zoneNameOf(zone)]);
    const { clock, heartbeatIntervalS } = options;
    // Every source gets the same 3 intervals from the start: a bridged room's first heartbeat comes once the bridge is up.
    for (const zone of options.config.zones) this.sensorsHeardAt.set(sensorSourceOf(zone.sensor), clock.now());
    this.repeat = clock.setInterval(() => this.publishState(), heartbeatIntervalS * 1000);
    this.watchdog = clock.setInterval(() => this.checkSensorsHeartbeat(), heartbeatIntervalS * 1000);
  }

  /** After a restart: countdowns that ran out while it was down are acted on, the rest go on. */
  start(extra: AlarmEvent[] = []): void {
    const now = this.options.clock.now();
    const resumed = resume(this.state, now, this.options.config);
    this.commit(resumed.state, [...extra, ...resumed.events], true);
  }

  /** The state now (the buzzer's pattern follows it). */
  get current(): AlarmState {
    return this.state;
  }

  /** What `CONTROL: alarm STATUS` and the heartbeat show. */
  status(): Record<string, unknown> {
    const problem = this.problem();
    return { ...this.view(), ...(problem === undefined ? {} : { problem }) };
  }

  /** The heartbeat's `problem`: a state that could not be stored, an audit line that could not be written. */
  problem(): string | undefined {
    return [this.storageProblem, this.auditProblem].filter((problem) => problem !== undefined).join("; ") || undefined;
  }

  /** `ALARM: <state> {…}` again (CONTROL: alarm STATE, and every heartbeat interval). */
  publishState(): void {
    this.send(subjectMessage(Topic.ALARM, this.state.state, this.view()));
  }

  /** A `DOOR:`, `MOTION:` or `SENSOR:` message. Unknown sensors are ignored: only configured zones take memory. */
  signal(message: BusMessage): void {
    const signal = sensorSignal(message);
    const zones = signal ? this.zonesOf.get(signal.sensor) : undefined;
    if (!signal || !zones) return;
    // Whether a fault's trouble ends is the machine's to decide, in order with the fault itself.
    for (const zone of zones) {
      if (signal.kind === "fault") this.enqueue({ kind: "trouble", zone, why: signal.why });
      else this.enqueue({ kind: "sensor_ok", zone });
      if (signal.kind === "state") this.enqueue({ kind: "zone", zone, open: signal.open });
    }
  }

  /**
   * A heartbeat of the sensor reader (`room`: of a bridged room, `HEARTBEAT: <room>/sensors`): its
   * zones are no longer in trouble for its silence. A room no zone names is ignored.
   */
  sensorsAlive(room = ""): void {
    if (!this.sensorsHeardAt.has(room)) return;
    this.sensorsHeardAt.set(room, this.options.clock.now());
    const why = noHeartbeat(room);
    for (const [zone, trouble] of Object.entries(this.state.troubles)) if (trouble === why) this.enqueue({ kind: "trouble_cleared", zone });
  }

  /**
   * The bridge says it lost these rooms (`HEARTBEAT: bridge {"remotes":{"bedroom":"unreachable"}}`):
   * their zones are in trouble now rather than 3 intervals later; the room's next heartbeat clears it.
   */
  roomsLost(rooms: readonly string[]): void {
    for (const room of rooms) if (room !== "" && this.sensorsHeardAt.has(room)) this.sensorsHeardAt.set(room, -Infinity);
    this.checkSensorsHeartbeat();
  }

  /** The bridged rooms whose heartbeats the zones depend on (`HEARTBEAT: <room>/<sensorsService>`). */
  get rooms(): string[] {
    return [...this.sensorsHeardAt.keys()].filter((source) => source !== "");
  }

  /** The request socket's commands (docs/alarm.md). Codes are checked here and go nowhere else. */
  handlers(): RequestHandlers {
    return {
      status: () => ({ state: this.status() }),
      // Not in the queue: reading the files holds up no code being checked, and nothing waits for it.
      history: async (raw) => {
        const args = historyArgs(raw);
        const page = await this.options.history({ limit: args.limit, before: args.before });
        return { events: page.events.map(publicEvent), skipped: page.skipped };
      },
      arm: (raw) =>
        this.serially(async () => {
          const args = requestArgs(raw, { mode: true, code: true, bypass: true });
          const owner = await this.owner(args.code, args.source, args.via);
          if (args.bypass !== "none" && owner.role !== "admin")
            throw this.refuse(args.source, `${owner.user} may not bypass zones (role user)`, owner.user, args.via);
          return this.act(
            {
              kind: "arm",
              mode: args.mode,
              user: owner.user,
              source: args.source,
              bypass: args.bypass,
              duress: owner.duress,
            },
            args.via,
          );
        }),
      disarm: (raw) =>
        this.serially(async () => {
          const args = requestArgs(raw, { code: true });
          const owner = await this.owner(args.code, args.source, args.via);
          // A duress code answers exactly as the user's own: whoever forces them watches the reply.
          const reply = this.act({ kind: "disarm", user: owner.user, source: args.source, duress: owner.duress }, args.via);
          // A start from an unreadable state file is a trouble until somebody with a code has seen to it.
          if (this.state.troubles[STATE_TROUBLE] !== undefined) this.apply({ kind: "trouble_cleared", zone: STATE_TROUBLE });
          return reply;
        }),
      bypass: (raw) =>
        this.serially(async () => {
          const args = requestArgs(raw, { code: true, zones: true });
          const owner = await this.owner(args.code, args.source, args.via);
          if (owner.role !== "admin")
            throw this.refuse(args.source, `${owner.user} may not bypass zones (role user)`, owner.user, args.via);
          return this.act({ kind: "bypass", zones: args.zones, user: owner.user, source: args.source, duress: owner.duress }, args.via);
        }),
      panic: (raw) =>
        this.serially(() => {
          const args = requestArgs(raw, {});
          return this.act({ kind: "panic", source: args.source }, args.via);
        }),
    };
  }

  close(): void {
    this.closed = true;
    const { clock } = this.options;
    clock.clearInterval(this.repeat);
    clock.clearInterval(this.watchdog);
    if (this.deadline !== undefined) clock.clearTimeout(this.deadline);
  }

  /** Whose code this is; a wrong one counts toward the lockout and is refused. Checked only when not locked out. */
  private async owner(
    code: string,
    source: Source,
    via: string | undefined,
  ): Promise<{ user: string; role: "admin" | "user"; duress: boolean }> {
    const now = this.options.clock.now();
    if (isLockedOut(this.state, now)) throw this.refuse(source, lockedMessage(this.state), undefined, via);
    const owner = await this.options.checkCode(code);
    if (owner) return owner;
    this.apply({ kind: "bad_code", source }, via);
    if (isLockedOut(this.state, this.options.clock.now())) throw new RequestRefused(`wrong code; ${lockedMessage(this.state)}`);
    const left = this.options.config.lockout.attempts - this.state.lockout.failures;
    throw new RequestRefused(`wrong code; ${left} attempt${left === 1 ? "" : "s"} left before code entry locks`);
  }

  /** A request refused before the machine saw it (locked out, a role's limit): audited like the machine's refusals. */
  private refuse(source: Source, reason: string, user?: string, via?: string): RequestRefused {
    this.commit(
      this.state,
      [
        {
          kind: "refused",
          at: this.options.clock.now(),
          source,
          reason,
          ...(user === undefined ? {} : { user }),
          ...(via === undefined ? {} : { via }),
        },
      ],
      false,
    );
    return new RequestRefused(reason);
  }

  /** Applies an input for a request: the new state, or a refusal with the machine's reason. */
  private act(input: AlarmInput, via: string | undefined): object {
    const refused = this.apply(input, via);
    if (refused !== undefined) throw new RequestRefused(refused);
    return { state: this.view(), ...(this.storageProblem ? { warning: this.storageProblem } : {}) };
  }

  /** Bus inputs wait for requests in flight (a code being checked), in order. */
  private enqueue(input: AlarmInput): void {
    this.serially(() => this.apply(input)).catch((error: unknown) => {
      if (!this.closed) this.options.log.error("an input failed", { kind: input.kind, error });
    });
  }

  private serially<T>(work: () => T | Promise<T>): Promise<T> {
    // After close() nothing more is stored, timed or published: what is left in the queue is refused.
    const next = this.queue.then(() => {
      if (this.closed) throw new RequestRefused("the alarm is stopping: ask again when it is back", "refused");
      return work();
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** One step of the machine; returns why it was refused, if it was. `via`: the request's, on every event it causes. */
  private apply(input: AlarmInput, via?: string): string | undefined {
    const result = step(this.state, input, this.options.clock.now(), this.options.config);
    if (result.chime !== undefined) this.send(subjectMessage(Topic.ALARM, "chime", { zone: result.chime }));
    this.commit(result.state, via === undefined ? result.events : result.events.map((event) => ({ ...event, via })), false);
    return result.refused;
  }

  /**
   * Stores the state first (an acknowledged change survives a power cut), drives the siren and
   * sets the next deadline, then tells the world. A state that did not change (a door reported
   * open again) is neither stored nor published: a flood of reports costs no fsync.
   */
  private commit(next: AlarmState, events: AlarmEvent[], always: boolean): void {
    // step() returns the very state it was given when an input changes nothing.
    const changed = next !== this.state;
    const before = this.state.state;
    if (changed || always) {
      this.store(next);
      this.state = next;
      this.options.outputs(next);
      this.schedule();
    }
    for (const event of events) {
      this.writeAudit(event);
      this.send(subjectMessage(Topic.ALARM, "event", publicEvent(event)));
    }
    if (changed || always) {
      if (before !== next.state || always) this.options.log.info(`alarm ${next.state}`, { by: next.changedBy, mode: next.mode });
      this.publishState();
    }
  }

  /** An audit line that cannot be written (a full disk) is said, and the alarm goes on: the event is still published. */
  private writeAudit(event: AlarmEvent): void {
    try {
      this.options.audit(event);
      this.auditProblem = undefined;
    } catch (error) {
      this.auditProblem = `cannot write the audit trail: ${(error as Error).message}`;
      this.options.log.error(this.auditProblem, { kind: event.kind });
    }
  }

  private store(state: AlarmState): void {
    try {
      this.options.save(state);
      if (this.storageProblem !== undefined) this.options.log.info("the state is stored again");
      this.storageProblem = undefined;
    } catch (error) {
      // The alarm works on from memory: refusing to trigger because the disk is full would be worse.
      this.storageProblem = `cannot store the state: ${(error as Error).message}`;
      this.options.log.error(this.storageProblem);
    }
  }

  /** One timer for the machine's next deadline (end of a delay, of the siren, of a lockout). */
  private schedule(): void {
    const { clock, config } = this.options;
    if (this.deadline !== undefined) clock.clearTimeout(this.deadline);
    this.deadline = undefined;
    const at = nextDeadline(this.state, config);
    if (at === null) return;
    this.deadline = clock.setTimeout(
      () => {
        this.deadline = undefined;
        this.enqueue({ kind: "tick" });
      },
      Math.max(0, at - clock.now()),
    );
  }

  private checkSensorsHeartbeat(): void {
    const now = this.options.clock.now();
    for (const [source, heardAt] of this.sensorsHeardAt) {
      if (now - heardAt <= MISSED_HEARTBEATS * this.options.heartbeatIntervalS * 1000) continue;
      for (const [sensor, zones] of this.zonesOf) {
        if (sensorSourceOf(sensor) !== source) continue;
        for (const zone of zones)
          if (this.state.troubles[zone] === undefined) this.enqueue({ kind: "trouble", zone, why: noHeartbeat(source) });
      }
    }
  }

  /** The state's name and its public view: what `ALARM: <state>` carries and `status` answers. */
  private view(): { state: AlarmState["state"] } & AlarmView {
    return { state: this.state.state, ...publicView(this.state, this.options.clock.now(), this.options.config) };
  }

  private send(text: string): void {
    this.options.publish(text).catch((error: unknown) => this.options.log.once("warn", "publish", "cannot publish", { error }));
  }
}

function lockedMessage(state: AlarmState): string {
  return `code entry locked until ${new Date(state.lockout.until ?? 0).toISOString()}`;
}

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ManualClock, type Clock } from "@roomguard/runtime";
import { TEST_TIMING } from "./timing.js";
import { Supervisor, type LauncherEvent, type ProcessPort, type ProcessState, type SupervisorOptions } from "../src/supervisor.js";

/** A process table that only exists here: pids, who is alive or stopped, which signals came, what is provably which service. */
class ProcessTable implements ProcessPort {
  nextPid = 100;
  readonly alive = new Set<number>();
  /** SIGSTOPped: alive, silent. */
  readonly stopped = new Set<number>();
  readonly signals: Array<[number, "SIGTERM" | "SIGKILL"]> = [];
  readonly started: string[] = [];
  /** What /proc would prove: pid → the service it runs. */
  readonly runs = new Map<number, string>();
  refuse = new Set<string>();
  /** Processes that ignore SIGTERM. */
  stubborn = new Set<number>();

  start(service: string): number {
    if (this.refuse.has(service)) throw new Error("spawn ENOENT");
    const pid = this.nextPid++;
    this.alive.add(pid);
    this.runs.set(pid, service);
    this.started.push(service);
    return pid;
  }
  claim(service: string, pid: number): boolean {
    return this.alive.has(pid) && this.runs.get(pid) === service;
  }
  stateOf(pid: number): ProcessState {
    return !this.alive.has(pid) ? "gone" : this.stopped.has(pid) ? "stopped" : "running";
  }
  terminate(pid: number): void {
    this.signals.push([pid, "SIGTERM"]);
    if (!this.stubborn.has(pid)) this.alive.delete(pid);
  }
  kill(pid: number): void {
    this.signals.push([pid, "SIGKILL"]);
    this.alive.delete(pid);
  }
  /** A process that is not any service (a shell, pid 1, somebody's editor). */
  unrelated(): number {
    const pid = this.nextPid++;
    this.alive.add(pid);
    return pid;
  }
}

function rig(overrides: Partial<SupervisorOptions> = {}) {
  const clock = new ManualClock();
  const table = new ProcessTable();
  const events: LauncherEvent[] = [];
  const supervisor = new Supervisor({
    services: ["keypad", "sensors", "music-player"],
    ...TEST_TIMING,
    clock,
    processes: table,
    report: (event) => events.push(event),
    ...overrides,
  });
  const pidOf = (service: string): number => supervisor.list().find((view) => view.service === service)?.pid ?? -1;
  /** Heartbeats from every live service, each second, for `seconds`. */
  const beat = (seconds: number, except: string[] = []): void => {
    for (let s = 0; s < seconds; s++) {
      for (const view of supervisor.list())
        if (view.pid !== null && !except.includes(view.service)) supervisor.heartbeat(view.service, view.pid);
      clock.advance(1000);
    }
  };
  return { clock, table, events, supervisor, pidOf, beat, kinds: () => events.map((event) => `${event.event} ${event.service}`) };
}

describe("the supervisor", () => {
  it("starts services, and they run while their heartbeats come", () => {
    const r = rig();
    for (const service of r.supervisor.names) r.supervisor.start(service);
    r.beat(20);
    assert.deepEqual(r.kinds(), ["start keypad", "start sensors", "start music-player"]);
    assert.deepEqual(
      r.supervisor.list().map((view) => [view.service, view.state, view.uptime_s, view.restarts]),
      [
        ["keypad", "running", 20, 0],
        ["sensors", "running", 20, 0],
        ["music-player", "running", 20, 0],
      ],
    );
  });

  it("an exit is a loss: restarted after 1, 2, 4 s; a crash loop is given up after maxRestarts, and reported", () => {
    const r = rig();
    r.supervisor.start("keypad");
    r.beat(1);
    const delays: number[] = [];
    for (let loss = 1; loss <= 4; loss++) {
      r.table.alive.delete(r.pidOf("keypad"));
      r.supervisor.exited(r.pidOf("keypad") === -1 ? 0 : r.pidOf("keypad"), 1);
      const lostAt = r.clock.now();
      const restartsBefore = r.table.started.length;
      for (let ms = 0; ms < 20_000 && r.table.started.length === restartsBefore; ms += 250) r.clock.advance(250);
      if (r.table.started.length > restartsBefore) delays.push((r.clock.now() - lostAt) / 1000);
      r.beat(1);
    }
    assert.deepEqual(delays, [1, 2, 4], "three restarts, each later");
    const view = r.supervisor.list().find((entry) => entry.service === "keypad");
    assert.equal(view?.state, "failed");
    assert.match(view?.reason ?? "", /exited with code 1; gave up after 3 restarts in a row/);
    assert.deepEqual(r.events.at(-1), { event: "give-up", service: "keypad", reason: view?.reason, restarts: 3 });
    assert.deepEqual(
      r.events.filter((event) => event.event === "lost").map((event) => event.retry_in_s),
      [1, 2, 4, undefined],
    );
  });

  it("a service that keeps running for stableS starts its count of losses again", () => {
    const r = rig();
    r.supervisor.start("sensors");
    for (let round = 0; round < 6; round++) {
      r.beat(31);
      const pid = r.pidOf("sensors");
      r.table.alive.delete(pid);
      r.supervisor.exited(pid, 1);
      r.clock.advance(1000);
    }
    assert.equal(r.supervisor.list()[1]?.state, "starting", "never given up: each loss came after a stable run");
    assert.equal(r.supervisor.list()[1]?.restarts, 6);
  });

  it("a hung service (no heartbeat) is killed before its replacement starts", () => {
    const r = rig();
    r.supervisor.start("sensors");
    r.beat(2);
    const hung = r.pidOf("sensors");
    r.beat(2, ["sensors"]); // silent for exactly missedHeartbeats × interval: not yet
    assert.equal(r.table.alive.has(hung), true);
    r.clock.advance(500);
    assert.deepEqual(r.table.signals, [[hung, "SIGKILL"]]);
    assert.equal(r.events.at(-1)?.event, "lost");
    assert.match(r.events.at(-1)?.reason ?? "", /^hung: no heartbeat for 3\.\d s$/);
    r.clock.advance(1000);
    assert.notEqual(r.pidOf("sensors"), hung);
    assert.equal(r.events.at(-1)?.event, "restart");
  });

  it("silence while the bus is down (the router restarting) is not a hang; it counts again from the bus's return", () => {
    const r = rig();
    r.supervisor.start("sensors");
    r.beat(2);
    const pid = r.pidOf("sensors");
    r.supervisor.setHeartbeatsFlow(false);
    r.clock.advance(20_000);
    assert.deepEqual(r.table.signals, [], "nothing killed while no heartbeat could arrive");
    r.supervisor.setHeartbeatsFlow(true);
    r.clock.advance(3000);
    assert.equal(r.table.alive.has(pid), true, "the silence is measured from the bus's return");
    r.clock.advance(500);
    assert.deepEqual(r.table.signals, [[pid, "SIGKILL"]]);
  });

  it("killall kills every service at once and restarts none", () => {
    const r = rig();
    for (const service of r.supervisor.names) r.supervisor.start(service);
    r.beat(2);
    const pids = r.supervisor.names.map(r.pidOf);
    r.supervisor.killAll();
    assert.deepEqual(
      r.table.signals,
      pids.map((pid) => [pid, "SIGKILL"]),
    );
    r.clock.advance(60_000);
    assert.deepEqual(
      r.supervisor.list().map((view) => view.state),
      ["stopped", "stopped", "stopped"],
    );
    assert.equal(r.table.started.length, 3, "nothing restarted");
  });

  it("a service that never sends its first heartbeat is lost after startGraceS", () => {
    const r = rig();
    r.supervisor.start("music-player");
    r.clock.advance(5000);
    assert.equal(r.table.signals.length, 0);
    r.clock.advance(250);
    assert.equal(r.table.signals[0]?.[1], "SIGKILL");
  });

  it("exit 78 (invalid config) is given up at once: restarting cannot fix a config", () => {
    const r = rig();
    r.supervisor.start("keypad");
    const pid = r.pidOf("keypad");
    r.table.alive.delete(pid);
    r.supervisor.exited(pid, 78);
    r.clock.advance(60_000);
    assert.deepEqual(r.kinds(), ["start keypad", "give-up keypad"]);
    assert.match(r.supervisor.list()[0]?.reason ?? "", /config is invalid \(exit 78\)/);
    r.supervisor.start("keypad"); // after the fix, by hand
    assert.equal(r.supervisor.list()[0]?.state, "starting");
  });

  it("a service that cannot be started at all is retried and given up like a crash", () => {
    const r = rig();
    r.table.refuse.add("keypad");
    r.supervisor.start("keypad");
    r.clock.advance(60_000);
    assert.equal(r.supervisor.list()[0]?.state, "failed");
    assert.match(r.supervisor.list()[0]?.reason ?? "", /^cannot start: spawn ENOENT; gave up/);
  });

  it("stop: SIGTERM to the process, SIGKILL at stopTimeoutS; all in reverse order", async () => {
    const r = rig();
    for (const service of r.supervisor.names) r.supervisor.start(service);
    r.beat(2);
    const stubborn = r.pidOf("sensors");
    r.table.stubborn.add(stubborn); // ignores SIGTERM
    const stopping = r.supervisor.stopAll();
    for (let i = 0; i < 40 && r.supervisor.list().some((view) => view.state !== "stopped"); i++) {
      for (const view of r.supervisor.list())
        if (view.state === "running" && view.pid !== null) r.supervisor.heartbeat(view.service, view.pid);
      r.clock.advance(250);
      await new Promise((resolve) => setImmediate(resolve));
    }
    await stopping;
    assert.deepEqual(
      r.table.signals.map(([pid, signal]) => `${pid} ${signal}`),
      [`${r.events[2]?.pid} SIGTERM`, `${stubborn} SIGTERM`, `${stubborn} SIGKILL`, `${r.events[0]?.pid} SIGTERM`],
    );
    assert.deepEqual(
      r.supervisor.list().map((view) => view.state),
      ["stopped", "stopped", "stopped"],
    );
    assert.deepEqual(
      r.events.filter((event) => event.event === "stop").map((event) => event.service),
      ["music-player", "sensors", "keypad"],
    );
  });

  it("adopts a running service from its heartbeat when it is provably that service, and supervises it like its own", () => {
    const r = rig();
    r.table.alive.add(4242);
    r.table.runs.set(4242, "keypad"); // started by hand: /proc shows it runs the keypad's main.js
    assert.equal(r.supervisor.heartbeat("keypad", 4242), "adopted");
    r.supervisor.start("keypad"); // already running: no duplicate
    assert.deepEqual(r.table.started, []);
    r.beat(5);
    assert.equal(r.supervisor.list()[0]?.state, "running");
    r.table.alive.delete(4242); // not our child: noticed by polling (how it ended is unknown: judged after STOP_LAG_MS)
    r.clock.advance(2250);
    assert.deepEqual(r.kinds(), ["adopt keypad", "lost keypad"]);
    r.clock.advance(1000);
    assert.deepEqual(r.table.started, ["keypad"]);
  });
});

describe("the supervisor against forged heartbeats (anyone on the bus can send one)", () => {
  it("a heartbeat naming a process that is not that service adopts nothing, while stopped or waiting, and nothing is ever signalled", () => {
    const r = rig();
    const bystander = r.table.unrelated();
    r.supervisor.start("keypad");
    r.beat(2);
    r.supervisor.kill("keypad");
    r.clock.advance(2250);
    assert.equal(r.supervisor.list()[0]?.state, "waiting", "lost, waiting to restart");
    for (const pid of [1, 0, -1, bystander]) assert.equal(r.supervisor.heartbeat("keypad", pid), "unproven");
    assert.equal(r.supervisor.heartbeat("sensors", bystander, "forged problem"), "unproven", "a stopped service adopts nothing either");
    r.clock.advance(60_000); // the keypad restarts, never beats, is hung, restarts…
    assert.ok(r.table.signals.length > 0);
    assert.deepEqual(
      r.table.signals.filter(([pid]) => r.table.runs.get(pid) !== "keypad"),
      [],
      "only the keypad's own processes were signalled, however long",
    );
    assert.equal(r.table.alive.has(bystander), true);
    assert.ok(!r.kinds().includes("adopt keypad") && !r.kinds().includes("adopt sensors"));
    assert.equal(r.supervisor.list()[1]?.problem, undefined);
  });

  it("heartbeats with another pid than the supervised process do not keep it alive", () => {
    const r = rig();
    r.supervisor.start("sensors");
    r.beat(2);
    const real = r.pidOf("sensors");
    const other = r.table.unrelated();
    for (let s = 0; s < 3; s++) {
      assert.equal(r.supervisor.heartbeat("sensors", other, "forged"), "not-supervised");
      r.clock.advance(1000);
    }
    r.clock.advance(500);
    assert.deepEqual(r.table.signals, [[real, "SIGKILL"]], "hung on time; the other process untouched");
    assert.equal(r.supervisor.list()[1]?.problem, undefined, "the forger's problem is not shown");
  });

  it("heartbeats with the real pid of a SIGSTOPped process are ignored: it is hung on time", () => {
    const r = rig();
    r.supervisor.start("keypad");
    r.beat(2);
    const pid = r.pidOf("keypad");
    r.table.stopped.add(pid);
    for (let s = 0; s < 2; s++) {
      assert.equal(r.supervisor.heartbeat("keypad", pid, "all is well"), "stopped-process");
      r.clock.advance(1000);
    }
    assert.equal(r.supervisor.heartbeat("keypad", pid, "all is well"), "stopped-process");
    assert.equal(r.supervisor.list()[0]?.state, "running");
    assert.equal(r.supervisor.list()[0]?.problem, undefined, "the forger's words are not shown");
    r.clock.advance(500);
    assert.deepEqual(r.table.signals, [[pid, "SIGKILL"]], "3.5 s after its last own heartbeat");
    assert.equal(r.events.at(-1)?.event, "lost");
    assert.match(r.events.at(-1)?.reason ?? "", /^hung: no heartbeat for 3\.\d s$/);
  });

  it("while adoptions are held, the latest heartbeat of each service waits, and is proven when they are allowed", () => {
    const r = rig({ adoptionsHeld: true });
    r.table.alive.add(4242);
    r.table.runs.set(4242, "keypad");
    const bystander = r.table.unrelated();
    assert.equal(r.supervisor.heartbeat("keypad", 4242), "held");
    assert.equal(r.supervisor.heartbeat("sensors", bystander), "held");
    assert.deepEqual(r.kinds(), []);
    assert.deepEqual(r.supervisor.allowAdoptions(), [
      { service: "keypad", pid: 4242, verdict: "adopted" },
      { service: "sensors", pid: bystander, verdict: "unproven" },
    ]);
    assert.deepEqual(r.kinds(), ["adopt keypad"]);
  });
});

describe("the supervisor's own stalls", () => {
  it("a check far later than due (the launcher stopped) kills nobody: silence counts again from then", () => {
    const clock = new ManualClock();
    let skew = 0;
    // The launcher's view of time: it jumps when the process did not run.
    const stalling = { ...clockOf(clock), now: () => clock.now() + skew };
    const stalls: number[] = [];
    const r = rig({ clock: stalling, onStall: (lateMs) => stalls.push(lateMs) });
    for (const service of r.supervisor.names) r.supervisor.start(service);
    for (let s = 0; s < 2; s++) {
      for (const view of r.supervisor.list()) if (view.pid !== null) r.supervisor.heartbeat(view.service, view.pid);
      clock.advance(1000);
    }
    skew += 30_000; // SIGSTOP for 30 s, then SIGCONT
    clock.advance(250);
    assert.deepEqual(r.table.signals, [], "nobody judged on the launcher's own silence");
    assert.deepEqual(stalls, [30_000]);
    clock.advance(3000);
    assert.deepEqual(r.table.signals, [], "silence counts from the stall's end");
    clock.advance(500);
    assert.equal(r.table.signals.length, 3, "and then it counts: three silent services are hung");
  });
});

describe("the supervisor and STOP from the bus (bus.acceptStop)", () => {
  it("a clean exit after a STOP seen on the bus is an operator's stop: stopped, not restarted, no loss, however often", () => {
    const r = rig();
    r.supervisor.start("keypad");
    for (let round = 0; round < 8; round++) {
      r.beat(1);
      const pid = r.pidOf("keypad");
      r.supervisor.stopSeenOnBus("keypad");
      r.table.alive.delete(pid);
      r.supervisor.exited(pid, 0);
      r.clock.advance(60_000);
      assert.equal(r.supervisor.list()[0]?.state, "stopped");
      assert.match(r.supervisor.list()[0]?.reason ?? "", /^stopped by a STOP from the bus/);
      r.supervisor.start("keypad"); // the operator's start
    }
    assert.equal(r.events.filter((event) => event.event === "lost" || event.event === "give-up").length, 0);
    assert.equal(r.supervisor.list()[0]?.restarts, 0);
  });

  it("a crash after a STOP, or a clean exit without one, is still a loss", () => {
    const r = rig();
    r.supervisor.start("keypad");
    r.beat(1);
    r.supervisor.stopSeenOnBus("keypad");
    r.table.alive.delete(r.pidOf("keypad"));
    r.supervisor.exited(r.pidOf("keypad"), 1);
    assert.equal(r.events.at(-1)?.event, "lost");
    r.clock.advance(1000);
    r.beat(1);
    r.table.alive.delete(r.pidOf("keypad"));
    r.supervisor.exited(r.pidOf("keypad"), 0);
    assert.equal(r.events.at(-1)?.event, "restart", "a clean exit waits for a STOP that may still be on its way");
    r.clock.advance(2000);
    assert.deepEqual(r.events.at(-1), { event: "lost", service: "keypad", pid: 101, reason: "exited with code 0", retry_in_s: 2 });
  });

  it("a STOP read from the bus a moment after the service's clean exit still makes it an operator's stop", () => {
    const r = rig();
    r.supervisor.start("keypad");
    r.beat(1);
    r.table.alive.delete(r.pidOf("keypad"));
    r.supervisor.exited(r.pidOf("keypad"), 0);
    r.clock.advance(750);
    r.supervisor.stopSeenOnBus("keypad");
    r.clock.advance(60_000);
    assert.equal(r.supervisor.list()[0]?.state, "stopped");
    assert.match(r.supervisor.list()[0]?.reason ?? "", /^stopped by a STOP from the bus/);
    assert.deepEqual(
      r.events.filter((event) => event.event !== "start").map((event) => event.event),
      ["stop"],
    );
  });
});

/** The clock's methods, bound (a spread of a class instance has none). */
function clockOf(clock: ManualClock): Clock {
  return {
    now: () => clock.now(),
    setTimeout: (callback, ms) => clock.setTimeout(callback, ms),
    clearTimeout: (handle) => clock.clearTimeout(handle),
    setInterval: (callback, ms) => clock.setInterval(callback, ms),
    clearInterval: (handle) => clock.clearInterval(handle),
  };
}

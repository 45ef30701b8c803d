import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ManualClock } from "@roomguard/runtime";
import { TEST_TIMING } from "./timing.js";
import { Supervisor, type LauncherEvent, type ProcessPort, type SupervisorOptions } from "../src/supervisor.js";

/** A process table that only exists here: pids, who is alive, which signals came. */
class ProcessTable implements ProcessPort {
  nextPid = 100;
  readonly alive = new Set<number>();
  readonly signals: Array<[number, NodeJS.Signals]> = [];
  readonly asked: string[] = [];
  readonly started: string[] = [];
  refuse = new Set<string>();
  /** Processes that ignore SIGTERM (and STOP). */
  stubborn = new Set<number>();

  start(service: string): number {
    if (this.refuse.has(service)) throw new Error("spawn ENOENT");
    const pid = this.nextPid++;
    this.alive.add(pid);
    this.started.push(service);
    return pid;
  }
  isAlive(pid: number): boolean {
    return this.alive.has(pid);
  }
  kill(pid: number, signal: NodeJS.Signals): void {
    this.signals.push([pid, signal]);
    if (signal === "SIGKILL" || !this.stubborn.has(pid)) this.alive.delete(pid);
  }
  askToStop(service: string, _pid: number): void {
    this.asked.push(service);
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
    assert.equal(r.table.isAlive(hung), true);
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
    assert.equal(r.table.isAlive(pid), true, "the silence is measured from the bus's return");
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

  it("stop: STOP on the bus first, SIGTERM at half the timeout, SIGKILL at the end; all in reverse order", async () => {
    const r = rig();
    for (const service of r.supervisor.names) r.supervisor.start(service);
    r.beat(2);
    const stubborn = r.pidOf("sensors");
    r.table.stubborn.add(stubborn);
    // keypad and music-player obey STOP (they exit on the next check); sensors ignores STOP and SIGTERM.
    const polite = (service: string): void => void r.table.alive.delete(r.pidOf(service));
    const stopping = r.supervisor.stopAll();
    await Promise.resolve();
    assert.deepEqual(r.table.asked, ["music-player"]);
    polite("music-player");
    for (let i = 0; i < 40 && r.table.asked.length < 3; i++) {
      r.clock.advance(250);
      await new Promise((resolve) => setImmediate(resolve));
      if (r.table.asked.at(-1) === "keypad" && r.table.isAlive(r.pidOf("keypad"))) polite("keypad");
    }
    r.clock.advance(250);
    await stopping;
    assert.deepEqual(r.table.asked, ["music-player", "sensors", "keypad"]);
    assert.deepEqual(
      r.table.signals.filter(([pid]) => pid === stubborn).map(([, signal]) => signal),
      ["SIGTERM", "SIGKILL"],
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

  it("adopts a running service from its heartbeat and supervises it like its own", () => {
    const r = rig();
    r.table.alive.add(4242);
    r.supervisor.adopt("keypad", 4242);
    r.supervisor.start("keypad"); // already running: no duplicate
    assert.deepEqual(r.table.started, []);
    r.beat(5);
    assert.equal(r.supervisor.list()[0]?.state, "running");
    r.table.alive.delete(4242); // not our child: noticed by polling
    r.clock.advance(250);
    assert.deepEqual(r.kinds(), ["adopt keypad", "lost keypad"]);
    r.clock.advance(1000);
    assert.deepEqual(r.table.started, ["keypad"]);
  });
});

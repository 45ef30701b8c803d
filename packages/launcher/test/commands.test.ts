import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ManualClock } from "@roomguard/runtime";
import { TEST_TIMING } from "./timing.js";
import { runCommand, type CommandContext } from "../src/commands.js";
import { Supervisor, type ProcessPort } from "../src/supervisor.js";

function context() {
  const alive = new Set<number>();
  let nextPid = 500;
  const processes: ProcessPort = {
    start: () => (alive.add(nextPid), nextPid++),
    isAlive: (pid) => alive.has(pid),
    kill: (pid) => void alive.delete(pid),
    askToStop: (_service, pid) => void alive.delete(pid),
  };
  const clock = new ManualClock();
  const supervisor = new Supervisor({
    services: ["router", "keypad"],
    ...TEST_TIMING,
    clock,
    processes,
    report: () => undefined,
  });
  let quits = 0;
  // A process's PSS in MiB is its pid / 10, its RSS its pid; pid 501's smaps_rollup cannot be read.
  const ctx: CommandContext = {
    supervisor,
    memoryOf: (pid) =>
      pid === 501
        ? { pssBytes: null, pssAnonBytes: null, rssBytes: pid * 2 ** 20, pssProblem: "permission denied" }
        : { pssBytes: (pid / 10) * 2 ** 20, pssAnonBytes: (pid / 20) * 2 ** 20, rssBytes: pid * 2 ** 20 },
    quit: () => quits++,
  };
  return { ctx, supervisor, clock, alive, quits: () => quits };
}

describe("launcher commands (the shell's and roomguard ctl's)", () => {
  it("help, and an unknown command is answered with help, not an error", async () => {
    const { ctx } = context();
    assert.match(await runCommand("help", ctx), /^commands:\n {2}help/);
    assert.match(await runCommand("frobnicate now", ctx), /^unknown command "frobnicate"\ncommands:/);
    assert.match(await runCommand("   ", ctx), /^commands:/);
  });

  it("a service command names a missing or unknown service and lists the known ones", async () => {
    const { ctx } = context();
    assert.equal(await runCommand("restart", ctx), "usage: restart <service>; services: router, keypad");
    assert.equal(await runCommand("stop keypda", ctx), 'unknown service "keypda"; services: router, keypad');
    assert.equal(await runCommand("kill keypad extra", ctx), "usage: kill <service>; services: router, keypad");
  });

  it("start, status with pid, uptime, heartbeat age, restarts and memory; stop; list", async () => {
    const { ctx, supervisor, clock } = context();
    assert.equal(await runCommand("start keypad", ctx), "keypad: started");
    clock.advance(2000);
    supervisor.heartbeat("keypad", 500, "no music");
    clock.advance(500);
    const status = await runCommand("status", ctx);
    assert.match(status, /^service +state +pid +uptime +heartbeat +restarts +memory +problem$/m);
    assert.match(status, /^router +stopped +- +- +- +0 +-$/m);
    assert.match(status, /^keypad +running +500 +2\.5 s +0\.5 s ago +0 +50\.0 MB +no music$/m);
    assert.doesNotMatch(status, /rss|500\.0 MB/, "RSS only in the wide view");
    for (const wide of ["status wide", "status -w", "status --wide"]) {
      const table = await runCommand(wide, ctx);
      assert.match(table, /^service +state +pid +uptime +heartbeat +restarts +memory +rss +problem$/m, wide);
      assert.match(table, /^keypad +running +500 +2\.5 s +0\.5 s ago +0 +50\.0 MB +500\.0 MB +no music$/m, wide);
      assert.match(table, /^memory: PSS, /m, wide);
    }
    assert.equal(await runCommand("status tall", ctx), "usage: status [wide]");
    const stopping = runCommand("stop keypad", ctx);
    clock.advance(250);
    assert.equal(await stopping, "keypad: stopped");
    assert.equal(await runCommand("list", ctx), "router        stopped\nkeypad        stopped");
  });

  it("status shows ? where PSS cannot be read, and says why in the wide view", async () => {
    const { ctx, supervisor, clock } = context();
    await runCommand("start router", ctx);
    await runCommand("start keypad", ctx);
    clock.advance(1000);
    supervisor.heartbeat("router", 500);
    supervisor.heartbeat("keypad", 501);
    assert.match(await runCommand("status", ctx), /^keypad +running +501 +1\.0 s +0\.0 s ago +0 +\?$/m);
    const wide = await runCommand("status wide", ctx);
    assert.match(wide, /^keypad +running +501 .* +\? +501\.0 MB$/m);
    assert.match(wide, /^memory \? for keypad: permission denied$/m);
    assert.doesNotMatch(wide, /memory \? for router/);
  });

  it("killall and quit", async () => {
    const { ctx, alive, quits, clock } = context();
    await runCommand("start router", ctx);
    await runCommand("start keypad", ctx);
    assert.match(await runCommand("killall", ctx), /^killed every service/);
    assert.equal(alive.size, 0);
    clock.advance(10_000);
    assert.equal(await runCommand("list", ctx), "router        stopped\nkeypad        stopped");
    assert.equal(await runCommand("quit", ctx), "stopping every service, then the launcher");
    assert.equal(quits(), 1);
  });
});

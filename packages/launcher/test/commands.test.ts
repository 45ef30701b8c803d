import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ManualClock } from "@roomguard/runtime";
import { TEST_TIMING } from "./timing.js";
import { parseCommandLine } from "../src/command-line.js";
import { launcherHandlers, runCommandLine, type CommandContext } from "../src/commands.js";
import type { StatusResult } from "../src/control-protocol.js";
import { renderError, renderResult } from "../src/render.js";
import { Supervisor, type ProcessPort } from "../src/supervisor.js";

function context() {
  const alive = new Set<number>();
  let nextPid = 500;
  const processes: ProcessPort = {
    start: () => (alive.add(nextPid), nextPid++),
    claim: () => false,
    stateOf: (pid) => (alive.has(pid) ? "running" : "gone"),
    terminate: (pid) => void alive.delete(pid),
    kill: (pid) => void alive.delete(pid),
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
    notRun: ["music-player"],
  };
  const handlers = launcherHandlers(() => ctx);
  /** A line at the prompt, answered as the control socket would answer it. */
  const run = (line: string): Promise<string> => runCommandLine(line, handlers, supervisor.names);
  return { ctx, handlers, run, supervisor, clock, alive, quits: () => quits };
}

describe("launcher commands (the shell's and roomguard ctl's)", () => {
  it("help, and an unknown command is answered with help, not an error", async () => {
    const { run } = context();
    assert.match(await run("help"), /^commands:\n {2}help/);
    assert.match(await run("frobnicate now"), /^unknown command "frobnicate"\ncommands:/);
    assert.match(await run("   "), /^commands:/);
  });

  it("a service command names a missing or unknown service and lists the known ones", async () => {
    const { run } = context();
    assert.equal(await run("restart"), "usage: restart <service>; services: router, keypad");
    assert.equal(await run("stop keypda"), 'unknown service "keypda"; services: router, keypad');
    assert.equal(await run("kill keypad extra"), "usage: kill <service>; services: router, keypad");
  });

  it("start, status with pid, uptime, heartbeat age, restarts and memory; stop; list", async () => {
    const { run, supervisor, clock } = context();
    const starting = run("start keypad");
    clock.advance(2000);
    supervisor.heartbeat("keypad", 500, "no music");
    assert.equal(await starting, "keypad: started", "answered at its first heartbeat");
    clock.advance(500);
    const status = await run("status");
    assert.match(status, /^service +state +pid +uptime +heartbeat +restarts +memory +problem$/m);
    assert.match(status, /^router +stopped +- +- +- +0 +-$/m);
    assert.match(status, /^keypad +running +500 +2\.5 s +0\.5 s ago +0 +50\.0 MB +no music$/m);
    assert.doesNotMatch(status, /rss|500\.0 MB/, "RSS only in the wide view");
    assert.match(status, /\n\ninstalled, not in launcher\.services: music-player$/, "status names what is installed but not run");
    for (const wide of ["status wide", "status -w", "status --wide"]) {
      const table = await run(wide);
      assert.match(table, /^service +state +pid +uptime +heartbeat +restarts +memory +rss +problem$/m, wide);
      assert.match(table, /^keypad +running +500 +2\.5 s +0\.5 s ago +0 +50\.0 MB +500\.0 MB +no music$/m, wide);
      assert.match(table, /^memory: PSS, /m, wide);
    }
    assert.equal(await run("status tall"), "usage: status [wide]");
    const stopping = run("stop keypad");
    clock.advance(250);
    assert.equal(await stopping, "keypad: stopped");
    assert.equal(await run("list"), "router        stopped\nkeypad        stopped");
  });

  it("start and restart answer once the service is up, or say why it did not come up", async () => {
    const { run, supervisor, clock, alive } = context();
    let answered = false;
    const starting = run("start keypad").then((answer) => ((answered = true), answer));
    clock.advance(1000);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(answered, false, "not before its first heartbeat");
    supervisor.heartbeat("keypad", 500);
    assert.equal(await starting, "keypad: started");
    assert.equal(await run("start keypad"), "keypad: started", "already running: at once");

    // Restarted, and its new process exits before any heartbeat.
    const restarting = run("restart keypad");
    clock.advance(250); // the stop is seen
    await new Promise((resolve) => setImmediate(resolve));
    alive.delete(501);
    for (let ms = 0; ms <= 2500; ms += 250) clock.advance(250); // a clean-looking exit is judged after a moment
    assert.equal(await restarting, "keypad did not come up: exited (waiting)");

    // Started, and silent past the start grace: hung.
    const other = context();
    const silent = other.run("start router");
    for (let ms = 0; ms <= TEST_TIMING.startGraceS * 1000 + 500; ms += 250) other.clock.advance(250);
    assert.match(await silent, /^router did not come up: hung: no heartbeat for [\d.]+ s \(waiting\)$/);
  });

  it("status shows ? where PSS cannot be read, and says why in the wide view", async () => {
    const { run, supervisor, clock } = context();
    const started = [run("start router"), run("start keypad")];
    clock.advance(1000);
    supervisor.heartbeat("router", 500);
    supervisor.heartbeat("keypad", 501);
    await Promise.all(started);
    assert.match(await run("status"), /^keypad +running +501 +1\.0 s +0\.0 s ago +0 +\?$/m);
    const wide = await run("status wide");
    assert.match(wide, /^keypad +running +501 .* +\? +501\.0 MB$/m);
    assert.match(wide, /^memory \? for keypad: permission denied$/m);
    assert.doesNotMatch(wide, /memory \? for router/);
  });

  it("killall and quit", async () => {
    const { run, alive, quits, clock, supervisor } = context();
    const started = [run("start router"), run("start keypad")];
    supervisor.heartbeat("router", 500);
    supervisor.heartbeat("keypad", 501);
    await Promise.all(started);
    assert.match(await run("killall"), /^killed every service/);
    assert.equal(alive.size, 0);
    clock.advance(10_000);
    assert.equal(await run("list"), "router        stopped\nkeypad        stopped");
    assert.equal(await run("quit"), "stopping every service, then the launcher");
    assert.equal(quits(), 1);
  });

  it("under systemd, quit is refused with the command that stops the appliance", async () => {
    const { ctx, run, quits } = context();
    ctx.quitRefused = "the launcher runs under systemd, which would start it again: `sudo systemctl stop roomguard` stops it";
    assert.equal(await run("quit"), ctx.quitRefused);
    assert.equal(quits(), 0);
  });
});

describe("the command line and the typed requests behind it", () => {
  it("parses a line into a request, or a usage error", () => {
    assert.deepEqual(parseCommandLine(""), { ok: true, request: { command: "help" } });
    assert.deepEqual(parseCommandLine("  HELP me  "), { ok: true, request: { command: "help" } });
    assert.deepEqual(parseCommandLine("list"), { ok: true, request: { command: "list" } });
    assert.deepEqual(parseCommandLine("status"), { ok: true, request: { command: "status", args: {} } });
    assert.deepEqual(parseCommandLine("status -w"), { ok: true, request: { command: "status", args: { wide: true } } });
    assert.deepEqual(parseCommandLine("Restart keypad"), { ok: true, request: { command: "restart", args: { service: "keypad" } } });
    assert.deepEqual(
      parseCommandLine("frobnicate now"),
      { ok: true, request: { command: "frobnicate" } },
      "the launcher says it is unknown",
    );
    assert.deepEqual(parseCommandLine("quit keypad"), { ok: false, usage: "usage: quit" }, "not a quit of everything by mistake");
    assert.deepEqual(parseCommandLine("kill"), { ok: false, usage: "usage: kill <service>" });
    assert.deepEqual(parseCommandLine("kill", ["router"]), { ok: false, usage: "usage: kill <service>; services: router" });
    assert.deepEqual(parseCommandLine("status tall"), { ok: false, usage: "usage: status [wide]" });
  });

  it("status answers structured rows with the memory figures; the table is rendered from them", async () => {
    const { handlers, supervisor, clock } = context();
    const status = handlers.status;
    assert.ok(status);
    supervisor.start("keypad");
    clock.advance(1000);
    supervisor.heartbeat("keypad", 500);
    const result = (await status({ wide: true })) as StatusResult;
    assert.equal(result.wide, true);
    assert.deepEqual(
      result.services.map(({ service, state, pid, memory }) => ({ service, state, pid, memory })),
      [
        { service: "router", state: "stopped", pid: null, memory: null },
        {
          service: "keypad",
          state: "running",
          pid: 500,
          memory: { pss_bytes: 50 * 2 ** 20, pss_anon_bytes: 25 * 2 ** 20, rss_bytes: 500 * 2 ** 20 },
        },
      ],
    );
    // The wire carries JSON: what ctl renders is what went through JSON.
    const text = renderResult({ command: "status", args: { wide: true } }, JSON.parse(JSON.stringify(result)) as Record<string, unknown>);
    assert.match(text, /^keypad +running +500 +1\.0 s +0\.0 s ago +0 +50\.0 MB +500\.0 MB$/m);
  });

  it("refuses an unknown service, arguments of the wrong shape, and everything while the launcher is still starting", async () => {
    const { handlers } = context();
    await assert.rejects(async () => handlers.stop?.({ service: "keypda" }), {
      name: "RequestRefused",
      code: "refused",
      message: 'unknown service "keypda"; services: router, keypad',
    });
    await assert.rejects(async () => handlers.stop?.({ service: 5 }), {
      code: "bad-request",
      message: "usage: stop <service>; services: router, keypad",
    });
    await assert.rejects(async () => handlers.status?.({ wide: "yes" }), { code: "bad-request", message: "usage: status [wide]" });
    const starting = launcherHandlers(() => undefined);
    for (const command of ["list", "status", "quit"]) {
      await assert.rejects(async () => starting[command]?.({}), {
        code: "refused",
        message: "the launcher is still starting; ask again in a moment",
      });
    }
  });

  it("renders the launcher's errors: unknown command with the help, a failure as an error", () => {
    assert.match(
      renderError({ command: "Dance" }, { code: "unknown-command", message: "unknown command" }),
      /^unknown command "Dance"\ncommands:\n {2}help {17}this list$/m,
    );
    assert.equal(renderError({ command: "x" }, { code: "failed", message: "disk on fire" }), "error: disk on fire");
    assert.equal(renderError({ command: "x" }, { code: "refused", message: "no" }), "no");
  });
});

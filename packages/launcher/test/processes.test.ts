import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { identityOf, readStat } from "@roomguard/runtime";
import { waitUntil } from "@roomguard/testing";
import { createProcessPort } from "../src/processes.js";
import { runsProgram } from "../src/proven-process.js";

/** A scratch directory with a service's main.js that idles (and, with `child`, starts a child in its process group). */
function scratch(): { dir: string; main: string; other: string } {
  const dir = mkdtempSync(path.join(tmpdir(), "roomguard-processes-"));
  const main = path.join(dir, "keypad", "main.js");
  mkdirSync(path.dirname(main));
  writeFileSync(
    main,
    `if (process.argv.includes("child")) {
       const c = require("node:child_process").spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
       console.log(c.pid);
     }
     setInterval(() => {}, 1000);`,
  );
  const other = path.join(dir, "other.js");
  writeFileSync(other, "setInterval(() => {}, 1000);");
  return { dir, main, other };
}

/** Starts a process the test owns; it (with its group, when it leads one) is killed when the test ends. */
function own(command: string, args: string[], options: { cwd?: string; detached?: boolean } = {}): ChildProcess & { pid: number } {
  const child = spawn(command, args, { stdio: "ignore", ...options });
  killedAfter(child.pid ?? 0, options.detached === true);
  return child as ChildProcess & { pid: number };
}

function killedAfter(pid: number, group: boolean): void {
  after(() => {
    try {
      process.kill(group ? -pid : pid, "SIGKILL");
    } catch {
      // gone
    }
  });
}

describe("proving what a pid is, from /proc", () => {
  it("a process runs a program when its node command line names it, from any directory or through a symlink; pid 1, this process and others do not", async () => {
    const { dir, main, other } = scratch();
    const absolute = own(process.execPath, [main]);
    const relative = own(process.execPath, ["--no-warnings", "main.js", "--config", "x.yaml"], { cwd: path.dirname(main) });
    symlinkSync(dir, `${dir}-current`);
    const linked = own(process.execPath, [path.join(`${dir}-current`, "keypad", "main.js")]);
    const bystander = own(process.execPath, [other]);
    const sleeper = own("sh", ["-c", "sleep 60", "sh", main]); // names it, but not as node's script
    // Exec'd: until then a child's command line is the test runner's.
    const execd = (child: ChildProcess & { pid: number }): boolean =>
      identityOf(child.pid)?.commandLine.some((arg) => arg.endsWith("main.js") || arg.endsWith("other.js")) ?? false;
    await waitUntil(() => [absolute, relative, linked, bystander, sleeper].every(execd), { what: "the processes exec'd" });
    for (const child of [absolute, relative, linked]) assert.equal(runsProgram(child.pid, main), true, `pid ${child.pid}`);
    for (const pid of [bystander.pid, sleeper.pid, 1, 0, -1, process.pid, 2 ** 22 + 7])
      assert.equal(runsProgram(pid, main), false, `pid ${pid}`);
  });
});

describe("the launcher's real processes", () => {
  it("claims only a proven process; signals only what it started or claimed, checked right before; SIGTERM the process, SIGKILL its group", async () => {
    const { dir, main, other } = scratch();
    const exited: number[] = [];
    const processes = createProcessPort({
      mainOf: () => main,
      args: ["child"],
      logDir: path.join(dir, "logs"),
      onExit: (pid) => exited.push(pid),
    });

    // Somebody else's process, named in a forged heartbeat: never claimed, never signalled.
    const bystander = own(process.execPath, [other], { detached: true });
    await waitUntil(() => identityOf(bystander.pid)?.commandLine.length, { what: "the bystander exec'd" });
    for (const pid of [1, 0, process.pid, bystander.pid]) assert.equal(processes.claim("keypad", pid), false, `pid ${pid}`);
    processes.kill(bystander.pid);
    processes.kill(1);
    processes.terminate(bystander.pid);
    assert.equal(processes.stateOf(bystander.pid), "gone", "not one of ours: as good as gone");
    assert.equal(readStat(bystander.pid)?.state !== undefined && readStat(bystander.pid)?.state !== "Z", true, "the bystander lives");

    // One it started: a group of its own, with a child in it.
    const pid = processes.start("keypad");
    killedAfter(pid, true);
    assert.equal(readStat(pid)?.processGroup, pid);
    assert.equal(processes.stateOf(pid), "running");
    assert.deepEqual(processes.identityOf(pid), identityOf(pid));
    process.kill(pid, "SIGSTOP");
    await waitUntil(() => processes.stateOf(pid) === "stopped", { what: "the service stopped" });
    process.kill(pid, "SIGCONT");
    await waitUntil(() => processes.stateOf(pid) === "running", { what: "the service running again" });

    // Recorded by an earlier launcher: the same start time and command line, or nothing.
    const identity = identityOf(pid);
    assert.ok(identity);
    const fresh = createProcessPort({ mainOf: () => main, args: [], logDir: path.join(dir, "logs2"), onExit: () => undefined });
    assert.equal(fresh.claim("keypad", pid, { ...identity, startTicks: identity.startTicks - 1 }), false, "a reused pid");
    assert.equal(fresh.stateOf(pid), "gone");
    assert.equal(fresh.claim("keypad", pid, identity), true);
    assert.equal(fresh.stateOf(pid), "running");

    // SIGTERM goes to the process alone; SIGKILL to its group (the grandchild goes too).
    const logFile = path.join(dir, "logs", "keypad.log");
    const grandchild = await waitUntil(() => Number(readFileSync(logFile, "utf8").trim()) || undefined, {
      what: "the service's child's pid in its log",
    });
    assert.equal(readStat(grandchild)?.processGroup, pid);
    const second = processes.start("keypad");
    killedAfter(second, true);
    processes.terminate(second);
    await waitUntil(() => exited.includes(second), { what: "SIGTERM ended the second one" });
    processes.kill(pid);
    await waitUntil(() => exited.includes(pid) && (readStat(grandchild) === null || readStat(grandchild)?.state === "Z"), {
      what: "SIGKILL ended the service and its child",
    });
    assert.equal(processes.stateOf(pid), "gone");
    processes.kill(pid); // gone: nothing to signal, and no error
  });
});

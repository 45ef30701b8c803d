import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import {
  findProcesses,
  identityOf,
  isAlive,
  isSameProcess,
  memAvailableBytes,
  memoryOf,
  readCommandLine,
  readStat,
  statusBytes,
  threadsOf,
} from "../src/proc.js";
import { waitUntil } from "../src/testing/wait-until.js";

/** A Node child with these arguments that says `up` on stdout once it runs; killed when the file ends. */
async function startNode(args: readonly string[], program = process.execPath): Promise<ChildProcess & { pid: number }> {
  const child = spawn(program, ["-e", "process.stdout.write('up'); setInterval(() => {}, 1000)", "--", ...args], {
    stdio: ["ignore", "pipe", "ignore"],
  });
  after(() => child.kill("SIGKILL"));
  await once(child.stdout, "data");
  return child as ChildProcess & { pid: number };
}

async function ended(child: ChildProcess): Promise<void> {
  const exited = once(child, "exit");
  child.kill("SIGKILL");
  await exited;
}

describe("/proc: a process's stat, command line and identity", () => {
  it("reads the state, CPU times and start time after the name, even a name with spaces and parentheses", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "roomguard-proc-"));
    const oddName = path.join(dir, "my) odd (name"); // the kernel names a process after the file it ran
    symlinkSync(process.execPath, oddName);
    const child = await startNode([], oddName);
    const stat = readStat(child.pid) ?? assert.fail("no stat");
    assert.equal(stat.name, "my) odd (name");
    assert.match(stat.state, /^[RSD]$/);
    assert.ok(stat.startTicks > 0 && Number.isInteger(stat.startTicks), JSON.stringify(stat));
    assert.ok(stat.userMs >= 0 && stat.systemMs >= 0, JSON.stringify(stat));
    const own = readStat(process.pid) ?? assert.fail("no stat of our own");
    assert.ok(own.startTicks <= stat.startTicks, "we started before our child");
    assert.ok(own.userMs + own.systemMs > 0, "this process has used some CPU");
    assert.equal(readStat(child.pid, child.pid)?.startTicks, stat.startTicks, "the main thread's stat, through task/");
    await ended(child);
    assert.equal(readStat(child.pid), null);
  });

  it("reads the command line as the argv it was started with, empty and spaced arguments too", async () => {
    const child = await startNode(["--config", "/tmp/a b.yaml", ""]);
    assert.deepEqual(readCommandLine(child.pid), [
      process.execPath,
      "-e",
      "process.stdout.write('up'); setInterval(() => {}, 1000)",
      "--",
      "--config",
      "/tmp/a b.yaml",
      "",
    ]);
    await ended(child);
    assert.equal(readCommandLine(child.pid), null);
  });

  it("a process is the one started while its start time and command line match; an ended one is not", async () => {
    const child = await startNode(["identity"]);
    const identity = identityOf(child.pid) ?? assert.fail("no identity");
    assert.equal(identity.pid, child.pid);
    assert.equal(identity.commandLine.at(-1), "identity");
    assert.equal(isSameProcess(identity), true);
    assert.equal(isSameProcess({ ...identity, startTicks: identity.startTicks - 1 }), false, "an earlier process with this pid");
    assert.equal(isSameProcess({ ...identity, commandLine: [...identity.commandLine.slice(0, -1), "other"] }), false);
    assert.equal(isSameProcess({ ...identity, commandLine: identity.commandLine.slice(0, -1) }), false);
    await ended(child);
    assert.equal(isSameProcess(identity), false);
    assert.equal(identityOf(child.pid), null);
  });

  it("a zombie (ended, not reaped by its parent) is not alive and has no identity", async () => {
    // The shell's background child ends once the shell has become sleep, which never reaps it.
    const child = `while read -r name < /proc/$PPID/comm && [ "$name" != sleep ]; do :; done`;
    const parent = spawn("sh", ["-c", `sh -c '${child}' & echo $!; exec sleep 60`], { stdio: ["ignore", "pipe", "ignore"] });
    after(() => parent.kill("SIGKILL"));
    const [output] = (await once(parent.stdout, "data")) as [Buffer];
    const zombie = Number(output.toString().trim());
    await waitUntil(() => readStat(zombie), { what: `pid ${zombie} to end`, until: (stat) => stat?.state === "Z" });
    assert.equal(isAlive(zombie), false);
    assert.equal(identityOf(zombie), null);
    assert.deepEqual(readCommandLine(zombie), []);
    assert.equal(isAlive(parent.pid ?? 0), true);
    assert.equal(isAlive(process.pid), true);
  });

  it("finds the processes whose command line contains a text", async () => {
    const marker = `roomguard-proc-marker-${process.pid}`;
    const child = await startNode([`--tag=${marker}`]);
    assert.deepEqual(findProcesses(marker), [child.pid]);
    await ended(child);
    assert.deepEqual(findProcesses(marker), []);
  });

  it("lists a process's threads, each with a stat of its own", () => {
    const threads = threadsOf(process.pid);
    assert.ok(threads.includes(process.pid), "the main thread's id is the pid");
    assert.ok(threads.length > 1, "node runs worker threads");
    assert.ok(threads.some((thread) => thread !== process.pid && readStat(process.pid, thread) !== null));
    assert.deepEqual(threadsOf(2 ** 30), []);
  });
});

describe("/proc: memory", () => {
  it("memoryOf reads PSS and RSS; a second Node process shares the binary, so its PSS is below its RSS", async () => {
    const own = memoryOf(process.pid);
    assert.ok(own?.pssBytes && own.rssBytes, JSON.stringify(own));
    assert.ok(own.pssBytes <= own.rssBytes);
    assert.ok(own.pssAnonBytes !== null && own.pssAnonBytes > 0 && own.pssAnonBytes < own.pssBytes, JSON.stringify(own));
    assert.equal(own.pssProblem, undefined);

    const child = await startNode([]);
    const memory = memoryOf(child.pid);
    assert.ok(memory?.pssBytes && memory.rssBytes, JSON.stringify(memory));
    assert.ok(memory.pssBytes < memory.rssBytes, `PSS ${memory.pssBytes} below RSS ${memory.rssBytes}`);
    assert.ok(memory.rssBytes > 10 * 2 ** 20, "a Node process maps tens of MB");
    await ended(child);
    assert.equal(memoryOf(child.pid), null, "an ended process has no memory");
  });

  it("reads status figures and the machine's MemAvailable", () => {
    const rss = statusBytes(process.pid, "VmRSS") ?? assert.fail("no VmRSS");
    const peak = statusBytes(process.pid, "VmHWM") ?? assert.fail("no VmHWM");
    assert.ok(rss > 10 * 2 ** 20 && peak >= rss, `${rss} ${peak}`);
    assert.equal(statusBytes(2 ** 30, "VmRSS"), null);
    const available = memAvailableBytes();
    assert.ok(available > 0 && Number.isInteger(available / 1024), String(available));
  });
});

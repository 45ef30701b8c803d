import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { allowKey, createKeyPair, keyFingerprint, revokeKey } from "@roomguard/bus";
import { freePort, roomguardMain, waitUntil } from "@roomguard/testing";
import { describeCounts } from "../src/device-counts.js";

// The clients are pyzmq programs as lala-pi's were: they must work through the devices unchanged.
const CLIENTS = fileURLToPath(new URL("../../test/python/lalapi_clients.py", import.meta.url));
const children = new Set<ChildProcess>();
after(() => {
  for (const child of children) child.kill("SIGKILL");
});

/** A python3 that has pyzmq: the one on PATH, else Debian's (python3-zmq). */
function findPython(): string {
  for (const candidate of ["python3", "/usr/bin/python3"]) {
    if (spawnSync(candidate, ["-c", "import zmq.auth"], { stdio: "ignore" }).status === 0) return candidate;
  }
  throw new Error("no python3 with pyzmq: `node scripts/system-packages.mjs` installs python3-zmq");
}
const PYTHON = findPython();

interface Running {
  child: ChildProcess;
  out(): string;
  err(): string;
  /** Waits until stdout (or stderr) matches. */
  shows(pattern: RegExp, where?: "out" | "err", timeoutMs?: number): Promise<RegExpExecArray>;
  exited: Promise<number | null>;
}

function start(command: string, args: string[], env: NodeJS.ProcessEnv = {}): Running {
  const child = spawn(command, args, { env: { ...process.env, ROOMGUARD_CONFIG: "", ...env } });
  children.add(child);
  let out = "";
  let err = "";
  child.stdout?.on("data", (chunk: Buffer) => (out += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (err += chunk.toString()));
  // "close", not "exit": by then its output is all read, for the assertions' messages.
  const exited = new Promise<number | null>((resolve) =>
    child.on("close", (code, signal) => {
      children.delete(child);
      if (signal !== null) err += `\n[${command} ${args.join(" ")}: ended by ${signal}]`;
      resolve(code);
    }),
  );
  return {
    child,
    out: () => out,
    err: () => err,
    exited,
    async shows(pattern, where = "out", timeoutMs = 10_000) {
      return waitUntil(() => pattern.exec(where === "out" ? out : err), { what: String(pattern), timeoutMs }).catch((error: unknown) => {
        throw new Error(`${(error as Error).message}; stdout:\n${out}\nstderr:\n${err}`);
      });
    },
  };
}

/** `roomguard device ARGS`, once it listens. */
async function device(args: string[]): Promise<Running> {
  const running = start(process.execPath, [roomguardMain(), "device", ...args, "--interval", "0.2"]);
  await running.shows(/Ctrl-C stops/, "err");
  return running;
}

const python = (...args: string[]): Running => start(PYTHON, [CLIENTS, ...args]);
const pacedPython = (...args: string[]): Running => start(PYTHON, [CLIENTS, ...args], { REQ_INTERVAL_S: "0.1" });

async function stop(running: Running): Promise<number | null> {
  running.child.kill("SIGTERM");
  return running.exited;
}

function ipcPair(): { front: string; back: string; dir: string } {
  const dir = mkdtempSync(path.join(tmpdir(), "roomguard-device-"));
  return { front: `ipc://${path.join(dir, "front")}`, back: `ipc://${path.join(dir, "back")}`, dir };
}

describe("roomguard device with lala-pi-era Python clients", () => {
  it("queue: a REQ client's requests reach a REP worker and the replies come back, counted", async () => {
    const { front, back } = ipcPair();
    const queue = await device(["queue", front, back]);
    const worker = python("rep", back);
    await queue.shows(/peers: front 0, back 1/);
    const client = python("req", front, "5");
    assert.equal(await client.exited, 0, client.out() + client.err());
    assert.deepEqual(
      client.out().trim().split("\n"),
      [0, 1, 2, 3, 4].map((i) => `pong ping ${i}`),
    );
    await queue.shows(/requests 5 \(\d+\/s\), replies 5 \(\d+\/s\); peers: front 0, back 1/);
    await stop(worker);
    assert.equal(await stop(queue), 0);
    assert.match(queue.out(), /^stopped after [\d.]+ s: requests 5, replies 5; peers: front 0, back \d$/m);
  });

  it("forwarder: a SUB gets what a PUB publishes under its prefix, and nothing else", async () => {
    const { front, back } = ipcPair();
    const forwarder = await device(["forwarder", front, back]);
    const subscriber = python("sub", back, "DOOR:", "3");
    await forwarder.shows(/subscriptions 1 .*peers: front 0, back 1/);
    const publisher = python("pub", front, "KEY: 1", "DOOR: front open");
    assert.equal(await subscriber.exited, 0, subscriber.out() + subscriber.err());
    const lines = subscriber.out().trim().split("\n");
    assert.equal(lines.length, 3);
    for (const line of lines) assert.match(line, /^DOOR: front open \d+$/);
    await stop(publisher);
    assert.equal(await stop(forwarder), 0);
    // KEY: never left the publisher (nobody subscribed to it): only DOOR: passed, 3 or more.
    const [, passed] = /^stopped after [\d.]+ s: messages (\d+), subscriptions (\d+);/m.exec(forwarder.out()) ?? [];
    assert.ok(Number(passed) >= 3, forwarder.out());
  });

  for (const native of [false, true]) {
    it(`streamer${native ? " --native" : ""}: PUSH jobs reach a PULL worker in order`, async () => {
      const { front, back } = ipcPair();
      const streamer = await device(["streamer", front, back, ...(native ? ["--native"] : [])]);
      const worker = python("pull", back, "20");
      await streamer.shows(/peers: front 0, back 1/);
      const sender = python("push", front, "20");
      assert.equal(await worker.exited, 0, worker.out() + worker.err());
      assert.deepEqual(
        worker.out().trim().split("\n"),
        Array.from({ length: 20 }, (_, i) => `job ${i}`),
      );
      await streamer.shows(/peers: front 1, back 0/);
      await stop(sender);
      assert.equal(await stop(streamer), 0);
      assert.match(
        streamer.out(),
        native ? /stopped after [\d.]+ s: messages not counted \(--native\);/ : /stopped after [\d.]+ s: messages 20;/,
      );
    });
  }

  it("--quiet prints no counts", async () => {
    const { front, back } = ipcPair();
    const streamer = await device(["streamer", front, back, "--quiet"]);
    await stop(streamer);
    assert.equal(streamer.out(), "");
  });

  it("--curve front: an allowed key gets through, an unknown key and a plain client get nothing and are counted", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "roomguard-device-curve-"));
    const keys = path.join(dir, "keys");
    createKeyPair(keys, "router");
    createKeyPair(keys, "host");
    const laptop = createKeyPair(path.join(dir, "laptop"), "laptop");
    allowKey(keys, "laptop", laptop.publicKey);
    const stranger = createKeyPair(path.join(dir, "stranger"), "stranger");
    const config = path.join(dir, "roomguard.yaml");
    writeFileSync(config, `bus:\n  keys: ${keys}\n`);
    const front = `tcp://127.0.0.1:${await freePort()}`;
    const back = `ipc://${path.join(dir, "back")}`;
    const queue = await device(["queue", front, back, "--curve", "front", "--config", config]);
    assert.match(queue.err(), /REQ clients connect to tcp:\/\/127\.0\.0\.1:\d+ \(CURVE\), REP workers to ipc:\/\/\S+\/back \(/);
    const worker = python("rep", back);
    await queue.shows(/peers: front 0, back 1/);
    const routerKey = path.join(keys, "router.key");

    const allowed = python("req", front, "2", routerKey, path.join(dir, "laptop", "laptop.key_secret"));
    assert.equal(await allowed.exited, 0, `${allowed.out()}${allowed.err()}\ndevice: ${queue.err()}`);
    assert.equal(allowed.out(), "pong ping 0\npong ping 1\n");

    const unknown = python("req", front, "1", routerKey, path.join(dir, "stranger", "stranger.key_secret"));
    assert.equal(await unknown.exited, 2);
    assert.equal(unknown.out(), "no reply\n");
    const [line] = await queue.shows(/# refused a CURVE client at 127\.0\.0\.1: key (\S+) is not on the allow-list\n/, "err");
    assert.ok(line.includes(keyFingerprint(stranger.publicKey)), line);
    assert.ok(!queue.err().includes(stranger.publicKey), "the key itself is never shown");

    const plain = python("req", front, "1");
    assert.equal(await plain.exited, 2);
    assert.equal(plain.out(), "no reply\n");

    await queue.shows(/requests 2 .*replies 2 .*refused: front [2-9]/);

    // Revoking a key closes its open connection: the client's next request goes unanswered.
    const steady = pacedPython("req", front, "1000", routerKey, path.join(dir, "laptop", "laptop.key_secret"));
    await steady.shows(/pong ping 2\n/);
    revokeKey(keys, "laptop");
    await queue.shows(/# revoked: laptop; closing the CURVE connections/, "err");
    assert.equal(await steady.exited, 2, steady.out());
    assert.match(steady.out(), /pong ping \d+\nno reply\n$/);
    await stop(worker);
    assert.equal(await stop(queue), 0);
  });

  it("refuses a LAN endpoint without CURVE, an unknown device and missing keys", async () => {
    const { back, dir } = ipcPair();
    const lan = start(process.execPath, [roomguardMain(), "device", "streamer", "tcp://0.0.0.0:1", back]);
    assert.equal(await lan.exited, 64);
    assert.match(lan.err(), /FRONT tcp:\/\/0\.0\.0\.0:1 is not loopback or ipc: it must be CURVE \(--curve front\)/);
    const unknown = start(process.execPath, [roomguardMain(), "device", "broker", "ipc:///tmp/a", back]);
    assert.equal(await unknown.exited, 64);
    assert.match(unknown.err(), /expected a device: queue, forwarder or streamer, got "broker"/);
    const config = path.join(dir, "roomguard.yaml");
    writeFileSync(config, `bus:\n  keys: ${path.join(dir, "no-keys")}\n`);
    const nokeys = start(process.execPath, [
      roomguardMain(),
      "device",
      "streamer",
      "ipc:///tmp/a",
      back,
      "--curve",
      "back",
      "--config",
      config,
    ]);
    assert.equal(await nokeys.exited, 78);
    assert.match(nokeys.err(), /router\.key_secret does not exist: `roomguard keys init` creates the keys/);
  });
});

describe("describeCounts", () => {
  const counts = { forward: 1200, backward: 1190, peers: { front: 3, back: 1 }, refused: { front: 0, back: 0 } };
  it("says each way with its rate, the peers, and refusals once there are some", () => {
    assert.equal(describeCounts("queue", counts), "requests 1,200, replies 1,190; peers: front 3, back 1");
    assert.equal(
      describeCounts("forwarder", { ...counts, refused: { front: 2, back: 0 } }, { ...counts, forward: 200, backward: 1190 }, 500),
      "messages 1,200 (2,000/s), subscriptions 1,190 (0/s); peers: front 3, back 1; refused: front 2",
    );
    assert.equal(describeCounts("streamer", { ...counts, backward: undefined }), "messages 1,200; peers: front 3, back 1");
    assert.equal(
      describeCounts("streamer", { ...counts, forward: undefined, backward: undefined }),
      "messages not counted (--native); peers: front 3, back 1",
    );
  });
});

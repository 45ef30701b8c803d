import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import {
  allowKey,
  createKeyPair,
  keyFingerprint,
  publicKeyFile,
  readPublicKey,
  revokeKey,
  ROUTER_KEY,
  type CurvePair,
} from "@roomguard/bus";
import {
  roomguardMain,
  routerMain,
  vethPair,
  waitUntil,
  watchServiceOutput,
  type NetSide,
  type VethPair,
  type WatchedProcess,
} from "@roomguard/testing";

const PEER = path.join(path.dirname(fileURLToPath(import.meta.url)), "helpers", "curve-peer.js");
const IN = "tcp://10.99.0.1:5556";
const OUT = "tcp://10.99.0.1:5555";

/** A process in a namespace whose stdout lines are kept. */
interface Running {
  child: ChildProcess;
  lines: string[];
  output: () => string;
  stop: () => Promise<void>;
}

function runIn(side: NetSide, args: string[]): Running {
  const child = side.spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
  const lines: string[] = []; // stdout's and stderr's, as they come
  let text = "";
  const collect = (stream: NodeJS.ReadableStream | null): void => {
    let rest = "";
    stream?.on("data", (chunk: Buffer) => {
      text += chunk.toString();
      const parts = (rest + chunk.toString()).split("\n");
      rest = parts.pop() ?? "";
      // A tap's lines start with the time: keep the message alone.
      lines.push(...parts.map((line) => /^\d\d:\d\d:\d\d\.\d{3} {2}(.*)$/.exec(line)?.[1] ?? line));
    });
  };
  collect(child.stdout);
  collect(child.stderr);
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  return {
    child,
    lines,
    output: () => text,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}

/** `roomguard ARGS --config FILE` inside a namespace, to its end. */
async function roomguardIn(side: NetSide, configFile: string, args: string[]): Promise<{ code: number | null; output: string }> {
  const run = runIn(side, [roomguardMain(), ...args, "--config", configFile]);
  const code = await new Promise<number | null>((resolve) => run.child.on("exit", (exit) => resolve(exit)));
  return { code, output: run.output() };
}

/** A keys directory for a client machine: its own host pair and the router's public key, as a user copies it there. */
function clientKeys(root: string, name: string, routerKeyFrom: string): { dir: string; pair: CurvePair } {
  const dir = path.join(root, name);
  const pair = createKeyPair(dir, "host");
  copyFileSync(publicKeyFile(routerKeyFrom, ROUTER_KEY), publicKeyFile(dir, ROUTER_KEY));
  return { dir, pair };
}

function writeConfig(dir: string, name: string, keys: string): string {
  const file = path.join(dir, `${name}.yaml`);
  writeFileSync(file, JSON.stringify({ bus: { in: IN, out: OUT, keys } }));
  return file;
}

describe("CURVE on a LAN endpoint, across a veth pair between two network namespaces", () => {
  let net: VethPair;
  let root: string;
  let router: WatchedProcess;
  let routerKeys: string;
  let observer: Running;
  const running: Running[] = [];

  before(async () => {
    net = vethPair();
    root = mkdtempSync(path.join(tmpdir(), "roomguard-curve-"));
    routerKeys = path.join(root, "router-keys");
    createKeyPair(routerKeys, ROUTER_KEY);
    createKeyPair(routerKeys, "host");
    const routerConfig = path.join(root, "router.yaml");
    writeFileSync(
      routerConfig,
      JSON.stringify({
        bus: { in: IN, out: OUT, keys: routerKeys },
        router: { statsIntervalS: 1, journal: { dir: path.join(root, "journal") } },
        log: { format: "json" },
      }),
    );
    router = watchServiceOutput(
      net.a.spawn(process.execPath, [routerMain(), "--config", routerConfig], { stdio: ["ignore", "pipe", "pipe"] }),
      "router",
    );
    await router.waitForLog((line) => line.msg === "listening", 20_000);
    // On the router's machine, its own programs use the host pair.
    observer = runIn(net.a, [roomguardMain(), "tap", "--config", writeConfig(root, "observer", routerKeys)]);
    running.push(observer);
    await waitUntil(() => observer.lines.some((line) => line.startsWith("# tapping")), { what: "the observer tapping", timeoutMs: 20_000 });
  });

  after(async () => {
    for (const process of running) await process.stop();
    await router?.stop("SIGTERM");
    net?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it("an allowed key publishes and subscribes; no key, an unknown key, another router's key are refused, counted and deliver nothing", async () => {
    const laptop = clientKeys(root, "laptop", routerKeys);
    allowKey(routerKeys, "laptop", laptop.pair.publicKey);
    const laptopConfig = writeConfig(root, "laptop", laptop.dir);
    await waitUntil(() => router.lines.find((line) => line.msg === "the allow-list changed"), {
      what: "the router to read the allow-list",
      timeoutMs: 10_000,
    });

    const laptopTap = runIn(net.b, [roomguardMain(), "tap", "DOOR:", "--config", laptopConfig]);
    running.push(laptopTap);
    await waitUntil(() => laptopTap.lines.some((line) => line.startsWith("# tapping")), { what: "the laptop tapping", timeoutMs: 20_000 });
    const sent = await roomguardIn(net.b, laptopConfig, ["send", "DOOR: laptop open"]);
    assert.equal(sent.code, 0, sent.output);
    await waitUntil(() => observer.lines.includes("DOOR: laptop open"), {
      what: "the laptop's message on the router's machine",
      timeoutMs: 10_000,
    });
    assert.equal((await roomguardIn(net.a, path.join(root, "observer.yaml"), ["send", "DOOR: hall open"])).code, 0);
    await waitUntil(() => laptopTap.lines.includes("DOOR: hall open"), { what: "the hall's message on the laptop", timeoutMs: 10_000 });

    // An unknown key with the right router key, another router's key, and no key at all.
    const stranger = clientKeys(root, "stranger", routerKeys);
    const elsewhere = path.join(root, "elsewhere-router");
    createKeyPair(elsewhere, ROUTER_KEY);
    const confused = clientKeys(root, "confused", elsewhere);
    allowKey(routerKeys, "confused", confused.pair.publicKey); // allowed, but it trusts another router
    for (const [name, dir] of [
      ["stranger", stranger.dir],
      ["confused", confused.dir],
    ] as const) {
      const refused = await roomguardIn(net.b, writeConfig(root, name, dir), ["send", `DOOR: ${name} open`, "--timeout", "2000"]);
      assert.equal(refused.code, 69, `${name}: ${refused.output}`);
      assert.match(refused.output, /cannot reach the router/);
    }
    const strangerPeer = runIn(net.b, [
      PEER,
      JSON.stringify({
        endpoint: IN,
        role: "pub",
        text: "DOOR: forged open",
        keys: { ...stranger.pair, serverKey: readPublicKey(publicKeyFile(routerKeys, ROUTER_KEY)) },
      }),
    ]);
    const plainPeer = runIn(net.b, [PEER, JSON.stringify({ endpoint: IN, role: "pub", text: "DOOR: plain open" })]);
    const plainSpy = runIn(net.b, [PEER, JSON.stringify({ endpoint: OUT, role: "sub" })]);
    running.push(strangerPeer, plainPeer, plainSpy);
    await waitUntil(
      () => strangerPeer.lines.includes("#handshake:error:auth") && plainPeer.lines.some((line) => line.startsWith("#handshake:error")),
      {
        what: "both peers refused at the handshake",
        timeoutMs: 10_000,
      },
    );
    // Counted: a ROUTER: stats after the refusals has refused.auth for each of them.
    const stats = await waitUntil(
      () =>
        observer.lines
          .filter((line) => line.startsWith("ROUTER: stats "))
          .map((line) => JSON.parse(line.slice("ROUTER: stats ".length)) as { refused: { auth: number } })
          .at(-1),
      { what: "ROUTER: stats counting the refusals", until: (report) => (report?.refused.auth ?? 0) >= 5, timeoutMs: 15_000 },
    );
    assert.ok(stats && stats.refused.auth >= 5, JSON.stringify(stats));
    // Nothing they sent reached anyone; the spy without keys got nothing at all.
    assert.equal(
      observer.lines.some((line) => /stranger|confused|forged|plain/.test(line)),
      false,
      observer.lines.join("\n"),
    );
    assert.deepEqual(
      plainSpy.lines.filter((line) => !line.startsWith("#")),
      [],
    );
    // Logged once per address, with the fingerprint, never the key.
    const refusedLines = router.lines.filter((line) => line.msg.startsWith("refused a CURVE key that is not on the allow-list"));
    assert.equal(refusedLines.length, 1, JSON.stringify(refusedLines));
    assert.equal(refusedLines[0]?.address, "10.99.0.2");
    assert.equal(refusedLines[0]?.key, keyFingerprint(stranger.pair.publicKey));
    const everything = router.lines.map((line) => JSON.stringify(line)).join("\n") + router.stderr();
    assert.ok(
      !everything.includes(stranger.pair.publicKey) && !everything.includes(laptop.pair.publicKey),
      "no key in the router's output",
    );
    const journal = readdirSync(path.join(root, "journal"))
      .map((file) => readFileSync(path.join(root, "journal", file), "latin1"))
      .join("");
    assert.ok(!journal.includes("forged") && !journal.includes("plain open"), "nothing refused was journaled");

    // Revoked while connected: its connection goes, without a router restart, and it is refused from then on.
    const pid = router.child.pid;
    assert.equal(revokeKey(routerKeys, "laptop"), true);
    await router.waitForLog((line) => line.msg === "the allow-list changed" && JSON.stringify(line.revoked) === '["laptop"]', 10_000);
    await waitUntil(
      async () =>
        (await roomguardIn(net.a, path.join(root, "observer.yaml"), ["send", "DOOR: after open"])).code === 0 &&
        observer.lines.includes("DOOR: after open"),
      {
        what: "the router's machine talking again after the revocation",
        timeoutMs: 20_000,
      },
    );
    await new Promise((resolve) => setTimeout(resolve, 1000)); // time for the message to have reached the laptop, were it still in
    assert.equal(laptopTap.lines.includes("DOOR: after open"), false, "the revoked laptop gets nothing");
    assert.equal((await roomguardIn(net.b, laptopConfig, ["send", "DOOR: revoked open", "--timeout", "2000"])).code, 69);
    assert.equal(router.child.pid, pid);
    assert.equal(router.child.exitCode, null, "the router ran on");
  });
});

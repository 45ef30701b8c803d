import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { stringify } from "yaml";

const CLI = fileURLToPath(new URL("../src/main.js", import.meta.url));
const children = new Set<ChildProcess>();
after(() => {
  for (const child of children) child.kill("SIGKILL");
});

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `roomguard ARGS` to completion. */
function roomguard(args: string[], options: { input?: string; cwd?: string } = {}): Promise<Result> {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: options.cwd ?? tmpdir(), env: { ...process.env, ROOMGUARD_CONFIG: "" } });
  children.add(child);
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.end(options.input ?? "");
  return new Promise((resolve) =>
    child.on("exit", (code) => {
      children.delete(child);
      resolve({ code, stdout, stderr });
    }),
  );
}

/** Starts `roomguard ARGS` and collects its output while it runs. */
function background(args: string[]): {
  child: ChildProcess;
  output: () => string;
  waitFor: (text: string | RegExp, timeoutMs?: number) => Promise<void>;
} {
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ROOMGUARD_CONFIG: "" } });
  children.add(child);
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  return {
    child,
    output: () => output,
    async waitFor(text, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (!(typeof text === "string" ? output.includes(text) : text.test(output))) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${String(text)}; output so far:\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
  };
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.on("exit", (code) => resolve(code)));
}

function configIn(dir: string, sections: Record<string, unknown> = {}): string {
  const file = path.join(dir, "roomguard.yaml");
  writeFileSync(
    file,
    stringify({
      bus: { in: `ipc://${dir}/in.sock`, out: `ipc://${dir}/out.sock` },
      router: { journal: { dir: path.join(dir, "journal"), flushIntervalMs: 50 } },
      log: { format: "json" },
      ...sections,
    }),
  );
  return file;
}

describe("roomguard without a router", { timeout: 30_000 }, () => {
  it("lists its commands and each command's options", async () => {
    const help = await roomguard(["--help"]);
    assert.equal(help.code, 0);
    for (const command of ["start", "router", "tap", "send", "sim", "client", "journal"])
      assert.match(help.stdout, new RegExp(`^  ${command} `, "m"));
    const tap = await roomguard(["help", "tap"]);
    assert.match(tap.stdout, /^roomguard tap \[PREFIX\.\.\.\]/);
    assert.match((await roomguard(["send", "--help"])).stdout, /^roomguard send MESSAGE/);
  });

  it("refuses an unknown command or option with exit 64", async () => {
    const unknown = await roomguard(["frobnicate"]);
    assert.equal(unknown.code, 64);
    assert.match(unknown.stderr, /unknown command "frobnicate"/);
    const option = await roomguard(["tap", "--bogus"]);
    assert.equal(option.code, 64);
    assert.match(option.stderr, /Unknown option '--bogus'.*\n\(see: roomguard help tap\)/s);
  });

  it("says the router is unreachable, with a hint, instead of hanging (exit 69)", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "roomguard-cli-"));
    const config = configIn(dir);
    for (const args of [["send", "KEY: LEFT"], ["tap"]]) {
      const started = Date.now();
      const result = await roomguard([...args, "--config", config, "--timeout", "400"]);
      assert.equal(result.code, 69);
      assert.match(
        result.stderr,
        /cannot reach the router at .* within 400 ms\. Is it running\? Start it with `roomguard router` or `pnpm start`/,
      );
      assert.ok(Date.now() - started < 3000);
    }
  });

  it("refuses a malformed message before connecting (exit 65)", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "roomguard-cli-"));
    const result = await roomguard(["send", "KEY: OK", "key: lower", "--config", configIn(dir)]);
    assert.equal(result.code, 65);
    assert.match(result.stderr, /not a valid message: expected "TOPIC: rest" .* got "key: lower"/);
  });

  it("exits 78 on an invalid config, naming the key and line", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "roomguard-cli-"));
    const file = path.join(dir, "bad.yaml");
    writeFileSync(file, "bus:\n  maxMessageSize: -5\n");
    const result = await roomguard(["send", "KEY: LEFT", "--config", file]);
    assert.equal(result.code, 78);
    assert.match(result.stderr, /bus\.maxMessageSize: expected at least 64, got -5 \(.*bad\.yaml:2\)/);
  });

  it("explains a missing journal", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "roomguard-cli-"));
    const result = await roomguard(["journal", "--config", configIn(dir)]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /no journal at .*journal: has the router run with this config\?/);
  });
});

describe("roomguard with a router", { timeout: 60_000 }, () => {
  const dir = mkdtempSync(path.join(tmpdir(), "roomguard-cli-"));
  const config = configIn(dir);
  let router: ReturnType<typeof background>;

  before(async () => {
    router = background(["router", "--config", config]);
    await router.waitFor('"msg":"listening"');
  });

  after(async () => {
    router.child.kill("SIGINT");
    assert.equal(await exited(router.child), 0);
  });

  it("tap shows what send sends; send says whether anyone listens", async () => {
    const unheard = await roomguard(["send", "NOBODY: here", "--config", config]);
    assert.equal(unheard.code, 0);
    assert.equal(unheard.stdout, "sent: NOBODY: here   (no subscriber wants it: it went nowhere)\n");

    const tap = background(["tap", "KEY:", "--config", config]);
    await tap.waitFor("# tapping KEY:");
    let sent: Result | undefined;
    for (let tries = 0; tries < 50 && !tap.output().includes("KEY: LEFT"); tries++) {
      sent = await roomguard(["send", "KEY: LEFT", "--config", config]);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await tap.waitFor(/^\d\d:\d\d:\d\d\.\d{3} {2}KEY: LEFT$/m);
    assert.equal(sent?.stdout, "sent: KEY: LEFT\n");
    const piped = await roomguard(["send", "-", "--config", config], { input: "KEY: UP\n\nKEY: DOWN\n" });
    assert.equal(piped.stdout, "sent: KEY: UP\nsent: KEY: DOWN\n");
    await tap.waitFor("KEY: DOWN");
    tap.child.kill("SIGINT");
    assert.equal(await exited(tap.child), 0);
  });

  it("sim publishes SIM: commands, and says so when no simulated hardware listens", async () => {
    const unheard = await roomguard(["sim", "press", "LEFT", "--config", config]);
    assert.equal(unheard.code, 69);
    assert.match(unheard.stderr, /no service on simulated hardware is listening, so "SIM: press LEFT" would go nowhere/);
    const tap = background(["tap", "SIM:", "--config", config]);
    await tap.waitFor("# tapping SIM:");
    let sent: Result | undefined;
    for (let tries = 0; tries < 50 && sent?.code !== 0; tries++)
      sent = await roomguard(["sim", "press", "SELECT", "1500", "--config", config]);
    assert.equal(sent?.stdout, "sent: SIM: press SELECT 1500\n");
    assert.equal((await roomguard(["sim", "gpio", "25", "1", "--config", config])).stdout, "sent: SIM: gpio 25 1\n");
    await tap.waitFor("SIM: gpio 25 1");
    tap.child.kill("SIGINT");
    assert.equal(await exited(tap.child), 0);
    for (const args of [["press"], ["gpio", "17", "2"], ["press", "LEFT", "soon"], ["blink"]]) {
      const wrong = await roomguard(["sim", ...args, "--config", config]);
      assert.equal(wrong.code, 64, args.join(" "));
      assert.match(wrong.stderr, /sim: expected/);
    }
  });

  it("client publishes what is typed and shows what arrives", async () => {
    const result = await roomguard(["client", "ECHO:", "--config", config], { input: "" });
    assert.equal(result.code, 0);
    const client = background(["client", "ECHO:", "--config", config]);
    await client.waitFor("# connected");
    for (let tries = 0; tries < 50 && !client.output().includes("< "); tries++) {
      client.child.stdin?.write(`ECHO: ${tries}\n`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await client.waitFor(/^< \d\d:\d\d:\d\d\.\d{3} {2}ECHO: \d+$/m);
    client.child.stdin?.write("not a message\n");
    await client.waitFor(/^! expected "TOPIC: rest"/m);
    client.child.stdin?.end("/quit\n");
    assert.equal(await exited(client.child), 0);
  });

  it("journal prints what passed, filtered, in three formats, and follows", async () => {
    const tap = background(["tap", "JOURNAL:", "--config", config]);
    await tap.waitFor("# tapping");
    for (let tries = 0; tries < 50 && !tap.output().includes("JOURNAL: one"); tries++) {
      await roomguard(["send", "JOURNAL: one", "--config", config]);
    }
    await roomguard(["send", "JOURNAL: two", "--config", config]);
    await tap.waitFor("JOURNAL: two");
    await new Promise((resolve) => setTimeout(resolve, 300));

    const text = await roomguard(["journal", "--topic", "JOURNAL", "--config", config]);
    assert.equal(text.code, 0);
    const lines = text.stdout.trim().split("\n");
    assert.match(lines.at(-1) ?? "", /^\d+ {2}\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} {2}JOURNAL: two$/);
    assert.ok(
      lines.every((line) => / {2}JOURNAL: /.test(line)),
      "only JOURNAL messages",
    );

    const lala = await roomguard(["journal", "--lala", "--topic", "JOURNAL: t", "--config", config]);
    assert.match(lala.stdout, /^\d+:JOURNAL: two\n$/);
    const json = await roomguard(["journal", "--json", "--since", "1m", "--topic", "JOURNAL", "--config", config]);
    const record = JSON.parse(json.stdout.trim().split("\n").at(-1) ?? "") as { seq: number; time: string; message: string };
    assert.equal(record.message, "JOURNAL: two");
    assert.ok(Math.abs(Date.parse(record.time) - Date.now()) < 60_000);
    const future = await roomguard(["journal", "--since", "2099-01-01", "--config", config]);
    assert.equal(future.stdout, "");
    const badSince = await roomguard(["journal", "--since", "yesterday-ish", "--config", config]);
    assert.equal(badSince.code, 64);
    assert.match(badSince.stderr, /--since: expected a time like 2026-11-22T10:00 or an age like 10m, got "yesterday-ish"/);

    const follow = background(["journal", "--follow", "--topic", "JOURNAL", "--config", config]);
    await follow.waitFor("JOURNAL: two");
    await roomguard(["send", "JOURNAL: three", "--config", config]);
    await follow.waitFor("JOURNAL: three");
    follow.child.kill("SIGINT");
    assert.equal(await exited(follow.child), 0);
    tap.child.kill("SIGINT");
    await exited(tap.child);
  });
});

import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { stringify } from "yaml";
import { findProcesses } from "@roomguard/runtime";
import { waitUntil } from "@roomguard/testing";

const CLI = fileURLToPath(new URL("../src/main.js", import.meta.url));
/** The checkout these tests run in: hints tell a user here to run `npx roomguard` and `npm start` from it. */
const REPO = path.resolve(fileURLToPath(new URL("../../../../", import.meta.url)));
const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
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
      await waitUntil(() => (typeof text === "string" ? output.includes(text) : text.test(output)), {
        what: String(text),
        timeoutMs,
      }).catch((error: unknown) => {
        throw new Error(`${(error as Error).message}; output so far:\n${output}`);
      });
    },
  };
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.on("exit", (code) => resolve(code)));
}

/** Waits until the router's journal holds `text`: the router writes what passed every flushIntervalMs. */
async function journaled(config: string, text: string): Promise<void> {
  await waitUntil(async () => (await roomguard(["journal", "--lala", "--topic", text, "--config", config])).stdout, {
    what: `"${text}" in the journal`,
    until: (found) => found.endsWith(`:${text}\n`),
  });
}

/** The bus endpoints of the config `configIn(dir)` writes, for another config on the same bus. */
function busOf(dir: string): { in: string; out: string } {
  return { in: `ipc://${dir}/in.sock`, out: `ipc://${dir}/out.sock` };
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

// Each case runs the CLI a few times: seconds apiece when four test files share two cores.
describe("roomguard without a router", { timeout: 180_000 }, () => {
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
    assert.match(
      option.stderr,
      new RegExp(`Unknown option '--bogus'.*\\n${escape(`(see: cd ${REPO} && npx roomguard help tap)`)}\\n$`, "s"),
    );
  });

  it("says the router is unreachable, with a hint for where the user is, instead of hanging (exit 69)", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "roomguard-cli-"));
    const config = configIn(dir);
    for (const args of [["send", "KEY: LEFT"], ["tap"]]) {
      const started = Date.now();
      const result = await roomguard([...args, "--config", config, "--timeout", "400"]);
      assert.equal(result.code, 69);
      // Outside the checkout, npx would look for roomguard in the registry: the hint goes there first.
      assert.match(
        result.stderr,
        new RegExp(
          `cannot reach the router at .* within 400 ms\\. Is roomguard running\\? Start it with ` +
            escape(
              `\`cd ${REPO} && npm start -- --config ${config}\` (or the router alone: \`cd ${REPO} && npx roomguard router --config ${config}\`)`,
            ) +
            ", and check bus\\.in/bus\\.out in the config\\.\n$",
        ),
      );
      assert.ok(Date.now() - started < 3000);
    }
    const fromCheckout = await roomguard(["send", "KEY: LEFT", "--config", config, "--timeout", "400"], { cwd: REPO });
    assert.match(
      fromCheckout.stderr,
      new RegExp(
        escape(`Start it with \`npm start -- --config ${config}\` (or the router alone: \`npx roomguard router --config ${config}\`)`),
      ),
    );
    assert.doesNotMatch(fromCheckout.stderr, /pnpm/);
    const usage = await roomguard(["send"], { cwd: REPO });
    assert.match(
      usage.stderr,
      /^roomguard send: send: expected at least one message, e\.g\. npx roomguard send "KEY: LEFT"\n\(see: npx roomguard help send\)\n$/,
    );
    assert.match((await roomguard(["--help"], { cwd: REPO })).stdout, /^usage: npx roomguard <command> \[options\]$/m);
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

  it("start refuses an invalid config (exit 78); status and ctl warn about it and still try the launcher", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "roomguard-cli-"));
    const file = configIn(dir, { music: { keymap: { LEFT: 5 } }, launcher: { control: `ipc://${dir}/ctl.sock` } });
    const start = await roomguard(["start", "--config", file]);
    assert.equal(start.code, 78);
    assert.match(start.stdout + start.stderr, /music\.keymap\.LEFT: expected a string, got 5/);
    const status = await roomguard(["status", "--config", file, "--timeout", "300"]);
    assert.equal(status.code, 69);
    assert.match(
      status.stderr,
      /^roomguard status: warning: invalid config in .*roomguard\.yaml:\n {2}- music\.keymap\.LEFT: expected a string, got 5 \(.*roomguard\.yaml:\d+\)$/m,
    );
    assert.match(
      status.stderr,
      new RegExp(escape(`carrying on with what it needs: launcher.control = "ipc://${dir}/ctl.sock" (from the file)`)),
    );
    assert.match(
      status.stderr,
      /no launcher listens at ipc:\/\/.*ctl\.sock \(there is no socket file\)\. Is roomguard running\? Start it with `cd .* && npm start -- --config .*`\.$/m,
    );
  });

  it("journal refuses a wrong --lines", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "roomguard-cli-"));
    const result = await roomguard(["journal", "-n", "ten", "--config", configIn(dir)]);
    assert.equal(result.code, 64);
    assert.match(result.stderr, /--lines: expected a number of messages, got "ten"/);
  });

  it("sim refuses a key the keypad does not have, naming its keys, before connecting (exit 64)", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "roomguard-cli-"));
    const buttons = await roomguard(["sim", "press", "FOO", "--config", configIn(dir)]);
    assert.equal(buttons.code, 64);
    assert.match(
      buttons.stderr,
      /^roomguard sim: the keypad has no key "FOO"; its keys \(keypad\.mode: buttons, in .*roomguard\.yaml\): LEFT RIGHT UP DOWN SELECT$/m,
    );
    const lower = await roomguard(["sim", "press", "left", "--config", configIn(dir)]);
    assert.match(lower.stderr, /no key "left" \(did you mean "LEFT"\?\)/);
    const matrix = await roomguard(["sim", "press", "LEFT", "--config", configIn(dir, { keypad: { mode: "matrix" } })]);
    assert.equal(matrix.code, 64);
    assert.match(matrix.stderr, /\(keypad\.mode: matrix, .*\): 1 2 3 A 4 5 6 B 7 8 9 C \* 0 # D$/m);
  });

  it("explains a missing journal", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "roomguard-cli-"));
    const result = await roomguard(["journal", "--config", configIn(dir)]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /no journal at .*journal: has the router run with this config\?/);
  });
});

describe("roomguard with a router", { timeout: 180_000 }, () => {
  const dir = mkdtempSync(path.join(tmpdir(), "roomguard-cli-"));
  const config = configIn(dir);
  let router: ReturnType<typeof background>;

  before(async () => {
    router = background(["router", "--config", config]);
    await router.waitFor('"msg":"listening"');
  });

  after(async () => {
    router.child.kill("SIGINT");
    assert.equal(await exited(router.child), 0, router.output());
  });

  it("tap shows what send sends; send says whether anyone listens", async () => {
    const unheard = await roomguard(["send", "NOBODY: here", "--config", config]);
    assert.equal(unheard.code, 0);
    assert.equal(unheard.stdout, "sent: NOBODY: here   (no subscriber wants it: it went nowhere)\n");

    const tap = background(["tap", "KEY:", "--config", config]);
    await tap.waitFor("# tapping KEY:");
    let sent: Result | undefined;
    await waitUntil(
      async () => {
        if (tap.output().includes("KEY: LEFT")) return true;
        sent = await roomguard(["send", "KEY: LEFT", "--config", config]);
        return false;
      },
      { what: "KEY: LEFT sent until the tap shows it", timeoutMs: 10_000, intervalMs: 50 },
    );
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
    assert.equal(unheard.stdout, "");
    assert.match(
      unheard.stderr,
      /no service on simulated hardware is listening, so "SIM: press LEFT" would go nowhere: nothing was sent\. Is the keypad running\? `.*npx roomguard status --config .*` shows it\./,
    );
    const real = configIn(mkdtempSync(path.join(tmpdir(), "roomguard-cli-")), { bus: busOf(dir), hardware: { backend: "onoff" } });
    const onReal = await roomguard(["sim", "gpio", "5", "0", "--config", real]);
    assert.equal(onReal.code, 69);
    assert.match(onReal.stderr, /hardware\.backend is onoff: the services read real pins/);
    const tap = background(["tap", "SIM:", "--config", config]);
    await tap.waitFor("# tapping SIM:");
    let sent: Result | undefined;
    for (let tries = 0; tries < 50 && sent?.code !== 0; tries++)
      sent = await roomguard(["sim", "press", "SELECT", "1500", "--config", config]);
    assert.equal(sent?.stdout, "sent: SIM: press SELECT 1500\n");
    // A pin nothing reads is sent (a test may drive one), with a warning naming the pins in use.
    const unused = await roomguard(["sim", "gpio", "25", "1", "--config", config]);
    assert.equal(unused.stdout, "sent: SIM: gpio 25 1\n");
    assert.match(
      unused.stderr,
      /^roomguard sim: warning: nothing in the config reads BCM 25, so no service will notice it; pins read: BCM 5 \(button LEFT\); BCM 6 \(button RIGHT\); BCM 16 \(button UP\); BCM 20 \(button DOWN\); BCM 21 \(button SELECT\)$/m,
    );
    await tap.waitFor("SIM: gpio 25 1");
    const door = configIn(mkdtempSync(path.join(tmpdir(), "roomguard-cli-")), {
      bus: busOf(dir),
      sensors: [{ id: "front", kind: "door", pin: 25 }],
    });
    const used = await roomguard(["sim", "gpio", "25", "0", "--config", door]);
    assert.equal(used.stdout, "sent: SIM: gpio 25 0\n");
    assert.equal(used.stderr, "");
    tap.child.kill("SIGINT");
    assert.equal(await exited(tap.child), 0);
    for (const args of [["press"], ["gpio", "17", "2"], ["press", "LEFT", "soon"], ["blink"]]) {
      const wrong = await roomguard(["sim", ...args, "--config", config]);
      assert.equal(wrong.code, 64, args.join(" "));
      assert.match(wrong.stderr, /sim: expected/);
    }
  });

  it("send and sim carry on past a broken config section they do not use, warning about it", async () => {
    const broken = configIn(mkdtempSync(path.join(tmpdir(), "roomguard-cli-")), { bus: busOf(dir), music: { keymap: { LEFT: 5 } } });
    const sent = await roomguard(["send", "NOBODY: here", "--config", broken]);
    assert.equal(sent.code, 0);
    assert.equal(sent.stdout, "sent: NOBODY: here   (no subscriber wants it: it went nowhere)\n");
    assert.match(sent.stderr, /^roomguard send: warning: invalid config in .*\n {2}- music\.keymap\.LEFT: expected a string, got 5/);
    assert.match(
      sent.stderr,
      /carrying on with what it needs: bus\.in = "ipc:.*" \(from the file\), bus\.out = .*, bus\.maxMessageSize = 65536 \(the default\), bus\.keys = "var\/keys" \(the default\)\. Fix the config before the next `.*npm start -- --config .*`: it refuses an invalid one \(exit 78\)\./,
    );
    const keypadBroken = configIn(mkdtempSync(path.join(tmpdir(), "roomguard-cli-")), {
      bus: busOf(dir),
      keypad: { buttons: { LEFT: "five" } },
    });
    const press = await roomguard(["sim", "press", "FOO", "--config", keypadBroken]);
    assert.equal(press.code, 69, "not refused: the keypad's own config cannot be trusted to say which keys it has");
    assert.match(press.stderr, /cannot check "FOO" against the keypad: its config is invalid \(above\)/);
  });

  it("client publishes what is typed and shows what arrives", async () => {
    const result = await roomguard(["client", "ECHO:", "--config", config], { input: "" });
    assert.equal(result.code, 0);
    const client = background(["client", "ECHO:", "--config", config]);
    await client.waitFor("# connected");
    let tries = 0;
    await waitUntil(
      () => {
        if (client.output().includes("< ")) return true;
        client.child.stdin?.write(`ECHO: ${tries++}\n`);
        return false;
      },
      { what: "an ECHO: typed until it comes back", timeoutMs: 10_000, intervalMs: 50 },
    );
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
    await journaled(config, "JOURNAL: two");

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
  it("journal --follow starts near the end like tail -f; --lines chooses how near; --from and --since still say where", async () => {
    const tap = background(["tap", "TAIL:", "--config", config]);
    await tap.waitFor("# tapping");
    for (let tries = 0; tries < 50 && !tap.output().includes("TAIL: probe"); tries++)
      await roomguard(["send", "TAIL: probe", "--config", config]);
    const numbers = Array.from({ length: 15 }, (_, i) => `TAIL: ${i}`);
    await roomguard(["send", "-", "--config", config], { input: numbers.map((text) => `${text}\n`).join("") });
    await roomguard(["send", "TAIL: new", "--config", config]);
    await tap.waitFor("TAIL: new");
    await journaled(config, "TAIL: new");
    const shown = (output: string): string[] => [...output.matchAll(/ {2}(TAIL: \S+)$/gm)].map((match) => match[1] ?? "");
    /** `journal ARGS` following, once it has shown `until` and had a moment for anything more. */
    const following = async (args: string[], until: string): Promise<string[]> => {
      const journal = background(["journal", "--follow", "--topic", "TAIL", ...args, "--config", config]);
      await journal.waitFor(until);
      await new Promise((resolve) => setTimeout(resolve, 300));
      journal.child.kill("SIGINT");
      assert.equal(await exited(journal.child), 0);
      return shown(journal.output());
    };

    assert.deepEqual(await following([], "TAIL: new"), [...numbers.slice(6), "TAIL: new"], "the last 10");
    assert.deepEqual(await following(["-n", "3"], "TAIL: new"), ["TAIL: 13", "TAIL: 14", "TAIL: new"]);
    assert.deepEqual(await following(["--lines", "1"], "TAIL: new"), ["TAIL: new"]);
    const listed = await roomguard(["journal", "-n", "2", "--topic", "TAIL", "--config", config]);
    assert.equal(listed.code, 0);
    assert.deepEqual(shown(listed.stdout), ["TAIL: 14", "TAIL: new"]);

    const json = await roomguard(["journal", "--json", "--topic", "TAIL: 12", "--config", config]);
    const { seq } = JSON.parse(json.stdout) as { seq: number };
    assert.deepEqual(await following(["--from", String(seq)], "TAIL: new"), ["TAIL: 12", "TAIL: 13", "TAIL: 14", "TAIL: new"]);
    const sinceHour = await following(["--since", "1h"], "TAIL: new");
    assert.deepEqual(sinceHour.slice(-16), [...numbers, "TAIL: new"], "everything since then, not the last 10");

    // -n 0: only what comes after it started (sent until it shows, since its start takes a moment).
    const fresh = background(["journal", "-f", "-n", "0", "--topic", "TAIL", "--config", config]);
    await waitUntil(
      async () => {
        if (fresh.output().includes("TAIL: later")) return true;
        await roomguard(["send", "TAIL: later", "--config", config]);
        return false;
      },
      { what: "TAIL: later sent until journal -n 0 shows it", timeoutMs: 10_000, intervalMs: 100 },
    );
    await fresh.waitFor("TAIL: later");
    fresh.child.kill("SIGINT");
    assert.equal(await exited(fresh.child), 0);
    const later = shown(fresh.output());
    assert.ok(later.length > 0 && later.every((text) => text === "TAIL: later"), later.join(", "));
    tap.child.kill("SIGINT");
    await exited(tap.child);
  });
});

/** Every process whose command line mentions `dir`: a launcher's router runs in a process group of its own. */
function processesUsing(dir: string): number[] {
  return findProcesses(dir);
}

describe("roomguard with a running launcher whose config was made invalid", { timeout: 180_000 }, () => {
  const dir = mkdtempSync(path.join(tmpdir(), "roomguard-cli-"));
  const control = `ipc://${dir}/ctl.sock`;
  // The launcher and the router alone: what matters here is reaching the launcher.
  const valid = {
    bus: busOf(dir),
    router: { journal: { dir: path.join(dir, "journal") } },
    launcher: { services: [], control, stateDir: path.join(dir, "launcher") },
    log: { format: "json" },
  };
  const file = configIn(dir, valid);
  let launcher: ReturnType<typeof background>;

  before(async () => {
    launcher = background(["start", "--config", file]);
    await launcher.waitFor('"msg":"every service started"', 20_000);
  });

  after(async () => {
    if (launcher.child.exitCode === null) launcher.child.kill("SIGTERM");
    await exited(launcher.child);
    for (const pid of processesUsing(dir)) process.kill(pid, "SIGKILL");
  });

  it("ctl's exit code comes from the launcher's reply: 0 done, 1 refused or unknown, 64 a wrong command line", async () => {
    const list = await roomguard(["ctl", "list", "--config", file]);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /^router {8}running\n$/);
    const unknownService = await roomguard(["ctl", "stop", "keypda", "--config", file]);
    assert.equal(unknownService.code, 1);
    assert.equal(unknownService.stderr, 'unknown service "keypda"; services: router\n');
    const unknownCommand = await roomguard(["ctl", "frobnicate", "--config", file]);
    assert.equal(unknownCommand.code, 1);
    assert.match(unknownCommand.stderr, /^unknown command "frobnicate"\ncommands:\n {2}help {17}this list\n/);
    const usage = await roomguard(["ctl", "restart", "--config", file]);
    assert.equal(usage.code, 64);
    assert.match(usage.stderr, /^roomguard ctl: usage: restart <service>\n\(see: .*help ctl\)\n$/);
  });

  it("status shows the table and warns, for a bad value and for a YAML syntax error; ctl quit stops it", async () => {
    writeFileSync(file, stringify({ ...valid, music: { keymap: { LEFT: 5 } } }));
    const status = await roomguard(["status", "--config", file]);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /^service +state +pid +uptime +heartbeat +restarts +memory +problem\nrouter +running +\d+ .* \d+\.\d MB/);
    assert.match(status.stderr, /^roomguard status: warning: invalid config in .*\n {2}- music\.keymap\.LEFT: expected a string, got 5 /);
    assert.match(status.stderr, new RegExp(escape(`launcher.control = "${control}" (from the file)`)));

    // Broken YAML: the control endpoint is still read from its own line.
    writeFileSync(file, `${stringify(valid)}music:\n  keymap: { LEFT: [unclosed\n`);
    const wide = await roomguard(["status", "--wide", "--config", file]);
    assert.equal(wide.code, 0, wide.stderr);
    assert.match(
      wide.stdout,
      /^service +state +pid +uptime +heartbeat +restarts +memory +rss +problem\nrouter +running +\d+ .* \d+\.\d MB +\d+\.\d MB/,
    );
    assert.match(wide.stderr, /warning: invalid config in .*:\n {2}- YAML syntax: /);
    assert.match(wide.stderr, new RegExp(escape(`launcher.control = "${control}" (from the file)`)));
    const start = await roomguard(["start", "--config", file]);
    assert.equal(start.code, 78, "a second launcher on the broken config is refused before it binds anything");

    const quit = await roomguard(["ctl", "quit", "--config", file]);
    assert.equal(quit.code, 0, quit.stderr);
    assert.equal(quit.stdout, "stopping every service, then the launcher\n");
    assert.equal(await exited(launcher.child), 0);
    assert.deepEqual(processesUsing(dir), [], "nothing of the appliance is left");
  });
});

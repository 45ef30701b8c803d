import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { RequestRefused, serveRequests, type RequestServer } from "@roomguard/bus";
import { loadConfig } from "@roomguard/config";
import { createLogger, verifySecret } from "@roomguard/runtime";
import { onTerminal } from "./terminal.js";
import { setUserCode } from "../src/commands/alarm-users-yaml.js";

const CLI = fileURLToPath(new URL("../src/main.js", import.meta.url));
const scratch = mkdtempSync(path.join(tmpdir(), "roomguard-alarm-cli-"));
after(() => rmSync(scratch, { recursive: true, force: true }));
const children = new Set<ChildProcess>();
after(() => {
  for (const child of children) child.kill("SIGKILL");
});
let files = 0;

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `roomguard alarm ARGS` to completion with `input` on standard input (a pipe), as this user or `as` another (root only). */
function alarm(args: string[], input = "", as: { uid?: number; gid?: number } = {}): Promise<Result> {
  const child = spawn(process.execPath, [CLI, "alarm", ...args], { cwd: scratch, env: { ...process.env, ROOMGUARD_CONFIG: "" }, ...as });
  children.add(child);
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.end(input);
  return new Promise((resolve) =>
    child.on("exit", (code) => {
      children.delete(child);
      resolve({ code, stdout, stderr });
    }),
  );
}

function configFile(text: string): string {
  const file = path.join(scratch, `config-${++files}.yaml`);
  writeFileSync(file, text);
  return file;
}

type User = { name: string; pin?: string; duressPin?: string; role: string };
function usersIn(file: string): User[] {
  return loadConfig({ configPath: file }).config.alarm.users;
}

/** The codes of these tests: long enough that none turns up by chance in a hash's base64. */
const ANNA = "73915246";
const ANNA_NEW = "60418273";
const ANNA_DURESS = "58203917";
const BOB = "914730";

describe("roomguard alarm add-user", () => {
  const original = [
    "# roomguard's config, with comments that must survive",
    "keypad:",
    "  buttons: # key name: BCM pin",
    "    LEFT: 5",
    "",
    "alarm:",
    "  requests: tcp://127.0.0.1:5558 # where the alarm listens",
    "  users: [] # who may arm",
    "  exitDelayS: 30",
    "",
    "# the end",
    "",
  ].join("\n");

  it("adds a user with the code hashed, into the config file, changing nothing else in it", async () => {
    const file = configFile(original);
    chmodSync(file, 0o640);
    const result = await alarm(["add-user", "anna", "--role", "admin", "--config", file], `${ANNA}\n${ANNA}\n`);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, new RegExp(`^added anna \\(role admin\\) in ${file}, hashed \\(scrypt\\)\\.$`, "m"));
    assert.match(result.stdout, /The alarm reads alarm\.users when it starts: `.*roomguard ctl restart alarm.*` applies it\./);
    const text = readFileSync(file, "utf8");
    assert.ok(!text.includes(ANNA), text);
    assert.ok(!result.stdout.includes(ANNA) && !result.stderr.includes(ANNA));
    const users = usersIn(file);
    assert.equal(users.length, 1);
    assert.equal(users[0]?.name, "anna");
    assert.equal(users[0]?.role, "admin");
    assert.equal(await verifySecret(ANNA, users[0]?.pin ?? ""), true);
    // Byte for byte the same, but for the user's lines: `[]` went, the comment after it stayed.
    const pin = users[0]?.pin ?? "";
    assert.equal(
      text,
      original.replace("  users: [] # who may arm\n", `  users: # who may arm\n    - name: anna\n      pin: ${pin}\n      role: admin\n`),
    );
    assert.equal(statSync(file).mode & 0o777, 0o640);
  });

  it("replaces a user's code, sets a duress code, and refuses one code for two meanings or two people", async () => {
    const file = configFile(original);
    assert.equal((await alarm(["add-user", "anna", "--config", file], `${ANNA}\n${ANNA}\n`)).code, 0);
    const replaced = await alarm(["add-user", "anna", "--config", file], `${ANNA_NEW}\n${ANNA_NEW}\n`);
    assert.equal(replaced.code, 0, replaced.stderr);
    assert.match(replaced.stdout, /^changed anna's code in /m);
    let [anna] = usersIn(file);
    assert.equal(usersIn(file).length, 1);
    assert.equal(anna?.role, "user");
    assert.equal(await verifySecret(ANNA_NEW, anna?.pin ?? ""), true);
    assert.equal(await verifySecret(ANNA, anna?.pin ?? ""), false);

    const same = readFileSync(file, "utf8");
    const duressIsPin = await alarm(["add-user", "anna", "--duress", "--config", file], `${ANNA_NEW}\n${ANNA_NEW}\n`);
    assert.equal(duressIsPin.code, 1);
    assert.match(duressIsPin.stderr, /the duress code must differ from anna's own code: nothing was written/);
    assert.equal(readFileSync(file, "utf8"), same);

    const duress = await alarm(["add-user", "anna", "--duress", "--config", file], `${ANNA_DURESS}\n${ANNA_DURESS}\n`);
    assert.equal(duress.code, 0, duress.stderr);
    assert.match(duress.stdout, /^set anna's duress code in /m);
    [anna] = usersIn(file);
    assert.equal(await verifySecret(ANNA_DURESS, anna?.duressPin ?? ""), true);
    assert.equal(await verifySecret(ANNA_NEW, anna?.pin ?? ""), true);

    const pinIsDuress = await alarm(["add-user", "anna", "--config", file], `${ANNA_DURESS}\n${ANNA_DURESS}\n`);
    assert.equal(pinIsDuress.code, 1);
    assert.match(pinIsDuress.stderr, /that is anna's duress code/);
    const taken = await alarm(["add-user", "bob", "--config", file], `${ANNA_NEW}\n${ANNA_NEW}\n`);
    assert.equal(taken.code, 1);
    assert.match(taken.stderr, /already another user's code or duress code/);
    assert.ok(!taken.stderr.includes("anna"), "whose code it is is not said");

    const bob = await alarm(["add-user", "Bob B.", "--config", file], `${BOB}\n${BOB}\n`);
    assert.equal(bob.code, 0, bob.stderr);
    assert.deepEqual(
      usersIn(file).map((user) => [user.name, user.role]),
      [
        ["anna", "user"],
        ["Bob B.", "user"],
      ],
    );
    const text = readFileSync(file, "utf8");
    for (const code of [ANNA, ANNA_NEW, ANNA_DURESS, BOB]) assert.ok(!text.includes(code), code);
    for (const comment of ["# roomguard's config", "# key name: BCM pin", "# where the alarm listens", "# who may arm", "# the end"])
      assert.ok(text.includes(comment), comment);
  });

  it("refuses codes that differ, are not 4 to 12 digits or are missing, and writes nothing", async () => {
    const file = configFile(original);
    const cases: Array<[string, RegExp]> = [
      [`${ANNA}\n${ANNA_NEW}\n`, /the two codes differ: nothing was written/],
      ["12ab56\n12ab56\n", /expected a code of 4 to 12 digits \(the keypad types digits only\): nothing was written/],
      ["123\n123\n", /expected a code of 4 to 12 digits/],
      ["1234567890123\n1234567890123\n", /expected a code of 4 to 12 digits/],
      [" 1234\n 1234\n", /expected a code of 4 to 12 digits/],
      [`${ANNA}\n`, /expected the code for anna again on a line of standard input, got the end of it/],
      ["", /expected the code for anna on a line of standard input, got the end of it/],
    ];
    for (const [input, message] of cases) {
      const result = await alarm(["add-user", "anna", "--config", file], input);
      assert.equal(result.code, 1, `${JSON.stringify(input)}: ${result.stderr}`);
      assert.match(result.stderr, message);
      for (const code of input.split("\n").filter((line) => line.trim().length >= 4))
        assert.ok(!result.stderr.includes(code.trim()) && !result.stdout.includes(code.trim()), `${code} printed`);
    }
    assert.equal(readFileSync(file, "utf8"), original);

    const noUser = await alarm(["add-user", "carol", "--duress", "--config", file], `${BOB}\n${BOB}\n`);
    assert.equal(noUser.code, 1);
    assert.match(noUser.stderr, /carol has no code yet: give them one first \(`.*alarm add-user carol.*`\), then the duress code/);
    for (const args of [
      ["add-user"],
      ["add-user", "a", "b"],
      ["add-user", "anna", "--role", "boss"],
      ["add-user", "-x-"],
      ["add-user", "anna", "--duress", "--role", "admin"],
    ]) {
      const result = await alarm([...args, "--config", file], `${BOB}\n${BOB}\n`);
      assert.equal(result.code, 64, `${args.join(" ")}: ${result.stderr}`);
    }
    assert.equal(readFileSync(file, "utf8"), original);
  });

  it("adds the alarm section to a file without one, at its end, and warns of a code longer than the keypad takes", async () => {
    const text = "keypad:\n    buttons: # key name: BCM pin\n        LEFT: 5\n    codeEntry:\n        maxDigits: 6\n";
    const file = configFile(text);
    const result = await alarm(["add-user", "anna", "--config", file], `${ANNA}\n${ANNA}\n`);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /warning: the keypad takes at most 6 digits \(keypad\.codeEntry\.maxDigits\)/);
    const after = readFileSync(file, "utf8");
    assert.ok(after.startsWith(text));
    assert.match(after.slice(text.length), /^alarm:\n {4}users:\n {8}- name: anna\n {10}pin: scrypt\$\d+\$8\$1\$\S+\n {10}role: user\n$/);
  });

  it("finds the config file as every command does ($ROOMGUARD_CONFIG here)", async () => {
    const file = configFile("alarm: {}\n");
    const child = spawn(process.execPath, [CLI, "alarm", "add-user", "anna"], {
      cwd: scratch,
      env: { ...process.env, ROOMGUARD_CONFIG: file },
    });
    children.add(child);
    child.stdin.end(`${ANNA}\n${ANNA}\n`);
    const code = await new Promise((resolve) => child.on("exit", resolve));
    children.delete(child);
    assert.equal(code, 0);
    assert.equal(usersIn(file)[0]?.name, "anna");
  });

  it("on a terminal, asks twice and shows nothing of what is typed", async (t) => {
    if (spawnSync("script", ["--version"]).status !== 0)
      return t.skip("util-linux script(1), which gives the command a terminal, is not installed");
    const file = configFile(original);
    const terminal = onTerminal(["alarm", "add-user", "tty", "--config", file], scratch, children);
    await terminal.shown("code for tty: ");
    terminal.type(`${BOB}\r`);
    await terminal.shown("the same code again: ");
    terminal.type(`${BOB.slice(0, 3)}9\u007f\u001b[D${BOB.slice(3)}\r`); // a typo backspaced, an arrow key ignored
    const code = await terminal.exited;
    const output = terminal.output();
    assert.equal(code, 0, output);
    assert.match(output, /added tty \(role user\)/);
    assert.ok(!output.includes(BOB) && !output.includes("*"), output);
    assert.equal(await verifySecret(BOB, usersIn(file)[0]?.pin ?? ""), true);
  });
});

describe("setUserCode keeps every byte it does not change", () => {
  const change = { name: "anna", field: "pin" as const, hash: "scrypt$2048$8$1$c2FsdA==$aGFzaA==" };
  const cases: Array<[string, string, string]> = [
    ["an empty file", "", "alarm:\n  users:\n    - name: anna\n      pin: scrypt$2048$8$1$c2FsdA==$aGFzaA==\n      role: user\n"],
    [
      "alarm: with nothing, a comment below",
      "alarm:\n# x\nlog: {}\n",
      "alarm:\n  users:\n    - name: anna\n      pin: scrypt$2048$8$1$c2FsdA==$aGFzaA==\n      role: user\n# x\nlog: {}\n",
    ],
    [
      "alarm without users, the next section's comment after a blank line",
      "alarm:\n  zones:\n    - { sensor: front, type: entry } # z\n\n# launcher\nlauncher: {}\n",
      "alarm:\n  zones:\n    - { sensor: front, type: entry } # z\n  users:\n    - name: anna\n      pin: scrypt$2048$8$1$c2FsdA==$aGFzaA==\n      role: user\n\n# launcher\nlauncher: {}\n",
    ],
    [
      "a block list indented at its key",
      "alarm:\n  users:\n  - name: bob # b\n    pin: scrypt$1$1$1$AA==$BB== # p\n  zones: []",
      "alarm:\n  users:\n  - name: bob # b\n    pin: scrypt$1$1$1$AA==$BB== # p\n  - name: anna\n    pin: scrypt$2048$8$1$c2FsdA==$aGFzaA==\n    role: user\n  zones: []",
    ],
    [
      "a flow list",
      "alarm: { users: [{ name: bob, pin: x }] }\n",
      "alarm: { users: [{ name: bob, pin: x }, { name: anna, pin: scrypt$2048$8$1$c2FsdA==$aGFzaA==, role: user }] }\n",
    ],
    [
      "the user there, comments after the name and the code",
      "alarm:\n  users:\n    - name: anna # n\n      pin: old # p\n      role: admin\n",
      "alarm:\n  users:\n    - name: anna # n\n      pin: scrypt$2048$8$1$c2FsdA==$aGFzaA== # p\n      role: admin\n",
    ],
    [
      "the user there without the key, no newline at the end",
      "alarm:\n  users:\n    - name: anna\n      duressPin: d",
      "alarm:\n  users:\n    - name: anna\n      duressPin: d\n      pin: scrypt$2048$8$1$c2FsdA==$aGFzaA==\n",
    ],
  ];
  for (const [what, text, expected] of cases) it(what, () => assert.equal(setUserCode(text, change), expected));

  it("quotes a name YAML would read as something else, and refuses what it cannot edit", () => {
    assert.match(setUserCode("", { ...change, name: "1234" }), /- name: "1234"\n/);
    assert.match(setUserCode("", { ...change, name: "no" }), /- name: "no"\n/);
    assert.match(setUserCode("", { ...change, name: "Bob B." }), /- name: "Bob B\."\n/);
    assert.throws(() => setUserCode("alarm: [1]\n", change), /expected alarm to be a mapping/);
    assert.throws(() => setUserCode("alarm: {\n", change), /not valid YAML/);
    assert.throws(() => setUserCode("alarm:\n  users:\n    - name: anna\n    - name: anna\n", change), /holds anna 2 times/);
  });
});

/** A stand-in for the alarm's request socket: answers as the alarm does, and records what it was asked. */
async function fakeAlarm(
  endpoint: string,
): Promise<{ server: RequestServer; calls: Array<{ command: string; args: Record<string, unknown> }> }> {
  const calls: Array<{ command: string; args: Record<string, unknown> }> = [];
  const view = {
    state: "disarmed",
    mode: null,
    next_state: null,
    delay_s: null,
    ends_at: null,
    changed_by: "anna",
    open_zones: ["front"],
    bypassed: [],
    troubles: { hall: "no heartbeat from sensors" },
    memory: ["window"],
    lockout_until: null,
  };
  const checked = (args: Record<string, unknown>): void => {
    if (args.code !== ANNA) throw new RequestRefused("wrong code; 4 attempts left before code entry locks");
  };
  const server = await serveRequests({
    endpoint,
    service: "alarm",
    log: createLogger({ service: "test-alarm", level: "error", stream: { write: () => undefined } }),
    handlers: {
      status: (args) => {
        calls.push({ command: "status", args });
        return { state: view };
      },
      arm: (args) => {
        calls.push({ command: "arm", args });
        checked(args);
        if (args.bypass === undefined) throw new RequestRefused("zones open: front; bypass them to arm");
        const endsAt = new Date(Date.now() + 30_000).toISOString();
        return {
          state: { ...view, state: "arming", mode: args.mode, next_state: `armed_${String(args.mode)}`, delay_s: 30, ends_at: endsAt },
        };
      },
      disarm: (args) => {
        calls.push({ command: "disarm", args });
        checked(args);
        return { state: view };
      },
      bypass: (args) => {
        calls.push({ command: "bypass", args });
        checked(args);
        return { state: { ...view, bypassed: args.zones } };
      },
    },
  });
  return { server, calls };
}

describe("roomguard alarm status, arm, disarm, bypass", () => {
  let config: string;
  let fake: Awaited<ReturnType<typeof fakeAlarm>>;
  before(async () => {
    const endpoint = `ipc://${scratch}/alarm.sock`;
    fake = await fakeAlarm(endpoint);
    config = configFile(`alarm:\n  requests: ${endpoint}\n`);
  });
  after(() => fake.server.close());

  it("status prints the state readably, and --json as the alarm said it", async () => {
    const result = await alarm(["status", "--config", config]);
    assert.equal(result.code, 0, result.stderr);
    for (const row of [
      /^state +disarmed$/m,
      /^mode +none$/m,
      /^changed by +anna$/m,
      /^open zones +front$/m,
      /^bypassed +none$/m,
      /^troubles +hall \(no heartbeat from sensors\)$/m,
      /^memory +window$/m,
      /^lockout +none$/m,
    ])
      assert.match(result.stdout, row);
    assert.deepEqual(fake.calls.at(-1), { command: "status", args: { source: "cli" } });
    const json = await alarm(["status", "--json", "--config", config]);
    assert.equal((JSON.parse(json.stdout) as { open_zones: string[] }).open_zones[0], "front");
  });

  it("arm sends the code read from standard input with source cli and prints the countdown", async () => {
    const result = await alarm(["arm", "away", "--bypass", "front,hall", "--config", config], `${ANNA}\n`);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^arm away: accepted$/m);
    assert.match(result.stdout, /^state +arming → armed_away \(in 30 s, at \d\d:\d\d:\d\d\)$/m);
    assert.deepEqual(fake.calls.at(-1), { command: "arm", args: { mode: "away", bypass: ["front", "hall"], code: ANNA, source: "cli" } });
    assert.ok(!result.stdout.includes(ANNA) && !result.stderr.includes(ANNA));

    assert.equal((await alarm(["arm", "night", "--bypass-open", "--config", config], `${ANNA}\n`)).code, 0);
    assert.deepEqual(fake.calls.at(-1)?.args, { mode: "night", bypass: true, code: ANNA, source: "cli" });
  });

  it("a refusal is exit 1 with the alarm's reason: a wrong code, open zones", async () => {
    const wrong = await alarm(["disarm", "--config", config], "1111\n");
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /^roomguard alarm disarm: refused: wrong code; 4 attempts left before code entry locks$/m);
    assert.deepEqual(fake.calls.at(-1), { command: "disarm", args: { code: "1111", source: "cli" } });
    const open = await alarm(["arm", "home", "--config", config], `${ANNA}\n`);
    assert.equal(open.code, 1);
    assert.match(open.stderr, /refused: zones open: front; bypass them to arm/);
  });

  it("disarm and bypass send the code and the zones", async () => {
    const disarm = await alarm(["disarm", "--config", config], `${ANNA}\n`);
    assert.equal(disarm.code, 0, disarm.stderr);
    assert.match(disarm.stdout, /^disarm: accepted\nstate +disarmed$/m);
    assert.deepEqual(fake.calls.at(-1), { command: "disarm", args: { code: ANNA, source: "cli" } });
    const bypass = await alarm(["bypass", "window", "hall", "--config", config], `${ANNA}\n`);
    assert.equal(bypass.code, 0, bypass.stderr);
    assert.match(bypass.stdout, /^bypassed +window, hall$/m);
    assert.deepEqual(fake.calls.at(-1), { command: "bypass", args: { zones: ["window", "hall"], code: ANNA, source: "cli" } });
  });

  it("sends nothing for a code that is no code, or for a wrong command line", async () => {
    const calls = fake.calls.length;
    const notDigits = await alarm(["disarm", "--config", config], "12a4\n");
    assert.equal(notDigits.code, 1);
    assert.match(notDigits.stderr, /expected a code of 4 to 12 digits: nothing was sent/);
    assert.equal((await alarm(["disarm", "--config", config], "")).code, 1);
    for (const args of [
      ["arm"],
      ["arm", "sideways"],
      ["arm", "away", "front"],
      ["arm", "away", "--bypass", "x", "--bypass-open"],
      ["bypass"],
      ["explode"],
      [],
    ])
      assert.equal((await alarm([...args, "--config", config], `${ANNA}\n`)).code, 64, args.join(" "));
    assert.equal(fake.calls.length, calls);
  });

  it("exits 69 saying the alarm is not running when nothing answers at alarm.requests", async () => {
    const nowhere = configFile(`alarm:\n  requests: ipc://${scratch}/nobody.sock\n`);
    const status = await alarm(["status", "--config", nowhere]);
    assert.equal(status.code, 69);
    assert.match(
      status.stderr,
      /the alarm is not running: nothing answers at ipc:\/\/.*nobody\.sock \(alarm\.requests: there is no socket file\)/,
    );
    const arm = await alarm(["arm", "away", "--config", nowhere], `${ANNA}\n`);
    assert.equal(arm.code, 69);
    assert.ok(!arm.stderr.includes(ANNA));
  });
});

describe("roomguard alarm history", () => {
  const dir = path.join(scratch, "history");
  const stateDir = path.join(dir, "var", "alarm");
  const local = (day: number, hour: number): string => new Date(2026, 10, day, hour).toISOString();
  let config: string;
  before(() => {
    mkdirSync(stateDir, { recursive: true });
    config = path.join(dir, "roomguard.yaml");
    writeFileSync(config, "alarm:\n  stateDir: var/alarm\n");
    const lines = (events: object[]): string => events.map((event) => JSON.stringify(event) + "\n").join("");
    writeFileSync(
      path.join(stateDir, "audit-2026-11-29T00-00-00.000Z.jsonl"),
      lines([{ kind: "restart", at: local(27, 8), source: "alarm" }]),
    );
    writeFileSync(
      path.join(stateDir, "audit-2026-11-30T00-00-00.000Z.jsonl"),
      lines([
        { kind: "arm", at: local(29, 9), user: "anna", source: "keypad", mode: "away" },
        { kind: "bad_code", at: local(29, 18), source: "keypad", attempts: 1 },
      ]),
    );
    writeFileSync(
      path.join(stateDir, "audit.jsonl"),
      lines([
        { kind: "disarm", at: local(30, 18), user: "anna", source: "cli" },
        { kind: "trouble", at: local(30, 19), zone: "hall", reason: "fault \u001b[31mred" },
        { kind: "bad_code", at: local(30, 20), source: "dashboard", attempts: 2 },
      ]) + '{"kind":"arm","at":"2026-',
    );
  });

  it("prints every file's events oldest first, and says how many torn lines it skipped", async () => {
    const result = await alarm(["history", "--config", config]);
    assert.equal(result.code, 0, result.stderr);
    const rows = result.stdout.trimEnd().split("\n");
    assert.match(rows[0] ?? "", /^time +event +user +source +zone +details$/);
    assert.deepEqual(
      rows.slice(1).map((row) => row.split(/ {2,}/)[1]),
      ["restart", "arm", "bad_code", "disarm", "trouble", "bad_code"],
    );
    assert.match(rows[2] ?? "", /^2026-11-29 09:00:00 +arm +anna +keypad +mode away$/);
    assert.match(rows[5] ?? "", /hall +fault \\u001b\[31mred$/);
    assert.match(result.stderr, /skipped 1 line that is not a whole event/);
  });

  it("--since and --kind choose, --json prints the stored lines", async () => {
    const since = await alarm(["history", "--since", "2026-11-30", "--kind", "bad_code,disarm", "--config", config]);
    assert.equal(since.code, 0, since.stderr);
    assert.deepEqual(
      since.stdout
        .trimEnd()
        .split("\n")
        .slice(1)
        .map((row) => row.split(/ {2,}/)[1]),
      ["disarm", "bad_code"],
    );
    const json = await alarm(["history", "--kind", "bad_code", "--kind", "restart", "--json", "--config", config]);
    assert.deepEqual(
      json.stdout
        .trimEnd()
        .split("\n")
        .map((line) => (JSON.parse(line) as { kind: string; attempts?: number }).attempts ?? 0),
      [0, 1, 2],
    );
    assert.equal((await alarm(["history", "--kind", "bad_cod", "--config", config])).code, 64);
    assert.equal((await alarm(["history", "--since", "yesterday", "--config", config])).code, 64);
  });

  it("as the alarm makes them (a 0750 directory, 0640 files), a member of its group reads them; others are told who may", async (t) => {
    if (process.getuid?.() !== 0) return t.skip("needs root to run the command as another user");
    chmodSync(scratch, 0o711);
    chmodSync(stateDir, 0o750);
    const audit = path.join(stateDir, "audit.jsonl");
    chmodSync(audit, 0o640);
    t.after(() => chmodSync(audit, 0o644));
    const { gid } = statSync(stateDir);
    const member = await alarm(["history", "--kind", "disarm", "--config", config], "", { uid: 65534, gid });
    assert.equal(member.code, 0, member.stderr);
    assert.match(member.stdout, /disarm +anna +cli/);
    const other = await alarm(["history", "--config", config], "", { uid: 65534, gid: 65534 });
    assert.equal(other.code, 1);
    assert.equal(
      other.stderr.trim(),
      `roomguard alarm history: cannot read the audit trail in ${stateDir}: permission denied: only the alarm's user and group may read it (on the Pi the roomguard group: run this as a member, logged in again since being added, or with sudo; files an older alarm made 0700/0600 become readable to the group when the alarm starts)`,
    );
    chmodSync(audit, 0o600); // as an older alarm made it
    const older = await alarm(["history", "--config", config], "", { uid: 65534, gid });
    assert.equal(older.code, 1);
    assert.ok(older.stderr.includes(`cannot read the audit trail in ${audit}: permission denied: only the alarm's`), older.stderr);
  });

  it("says so when there is no audit trail", async () => {
    const none = configFile(`alarm:\n  stateDir: ${path.join(scratch, "no-such-dir")}\n`);
    const result = await alarm(["history", "--config", none]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /cannot read the audit trail in .*no-such-dir: it does not exist/);
  });
});

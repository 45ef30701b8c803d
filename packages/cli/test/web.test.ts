import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createPrivateKey, X509Certificate } from "node:crypto";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { loadConfig } from "@roomguard/config";
import { verifySecret } from "@roomguard/runtime";
import { onTerminal } from "./terminal.js";

const CLI = fileURLToPath(new URL("../src/main.js", import.meta.url));
const scratch = mkdtempSync(path.join(tmpdir(), "roomguard-web-cli-"));
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

/** Runs `roomguard web ARGS` to completion with `input` on standard input (a pipe). */
function web(args: string[], input = "", env: NodeJS.ProcessEnv = {}): Promise<Result> {
  return roomguard(["web", ...args], input, env);
}

function roomguard(args: string[], input = "", env: NodeJS.ProcessEnv = {}): Promise<Result> {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: scratch, env: { ...process.env, ROOMGUARD_CONFIG: "", ...env } });
  children.add(child);
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.on("error", () => undefined); // a command that reads nothing may exit before its input is written
  child.stdin.end(input);
  return new Promise((resolve) =>
    child.on("exit", (code) => {
      children.delete(child);
      resolve({ code, stdout, stderr });
    }),
  );
}

function configFile(text: string, directory = scratch): string {
  const file = path.join(directory, `config-${++files}.yaml`);
  writeFileSync(file, text);
  return file;
}

function usersIn(file: string): Array<{ name: string; role: string; password: string }> {
  return loadConfig({ configPath: file }).config.web.users;
}

/** Passwords of these tests: long enough that none turns up by chance in a hash's base64. */
const ANNA = "correct horse battery";
const ANNA_NEW = "staple-Tr0ub4dor-3";
const BOB = "bobs-password-42";
const twice = (password: string): string => `${password}\n${password}\n`;

const ORIGINAL = [
  "# roomguard's config, with comments that must survive",
  "alarm:",
  "  exitDelayS: 30 # seconds to leave",
  "",
  "web:",
  "  listen: 127.0.0.1:8080 # loopback only",
  "  tls: { cert: null, key: null } # PEM files relative to this file",
  "  users:",
  '    - { name: admin, role: admin, password: "scrypt$16384$8$1$8iyu34WGHcs9LiNPwtEftg==$iwp9xkVk4/44JKETVIPktkm4bWn45ew/Kn4rXIet03w=" } # demo-admin',
  "",
  "# the end",
  "",
].join("\n");

describe("roomguard web add-user", () => {
  it("is listed by roomguard help, and roomguard help web shows its forms", async () => {
    assert.match(
      (await roomguard(["help"])).stdout,
      /^ {2}web {2,}the web dashboard's users and certificate: add-user, remove-user, users, make-cert$/m,
    );
    const usage = await roomguard(["help", "web"]);
    assert.equal(usage.code, 0);
    for (const form of [
      "roomguard web add-user NAME [--role admin|user|viewer]",
      "roomguard web remove-user NAME",
      "roomguard web users",
      "roomguard web make-cert [--host NAME]… [--days N] [--out DIR] [--force]",
    ])
      assert.ok(usage.stdout.includes(form), form);
  });

  it("adds a user with the password hashed, changing nothing else in the file", async () => {
    const file = configFile(ORIGINAL);
    chmodSync(file, 0o640);
    const result = await web(["add-user", "anna", "--role", "user", "--config", file], twice(ANNA));
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, new RegExp(`^added anna \\(role user\\) in web\\.users of ${file}, hashed \\(scrypt\\)\\.$`, "m"));
    assert.match(result.stdout, /reads web\.users when it starts: a running one goes on with the users it read until it is restarted/);
    const text = readFileSync(file, "utf8");
    for (const where of [text, result.stdout, result.stderr]) assert.ok(!where.includes(ANNA), where);
    const users = usersIn(file);
    assert.deepEqual(
      users.map((user) => [user.name, user.role]),
      [
        ["admin", "admin"],
        ["anna", "user"],
      ],
    );
    const hash = users[1]?.password ?? "";
    assert.match(hash, /^scrypt\$16384\$8\$1\$/);
    assert.equal(await verifySecret(ANNA, hash), true);
    assert.equal(await verifySecret(ANNA_NEW, hash), false);
    // The new item in the list's own style (a flow mapping per line), every other byte as it was.
    const admin = ORIGINAL.split("\n").find((line) => line.includes("name: admin")) ?? "";
    assert.equal(text, ORIGINAL.replace(`${admin}\n`, `${admin}\n    - { name: anna, role: user, password: ${hash} }\n`));
    assert.equal(statSync(file).mode & 0o777, 0o640);
  });

  it("replaces an existing user's password (the name compared without case), keeping or changing the role", async () => {
    const file = configFile(ORIGINAL);
    assert.equal((await web(["add-user", "anna", "--role", "viewer", "--config", file], twice(ANNA))).code, 0);
    const replaced = await web(["add-user", "Anna", "--config", file], twice(ANNA_NEW));
    assert.equal(replaced.code, 0, replaced.stderr);
    assert.match(replaced.stdout, /^changed Anna's password in web\.users of /m);
    let users = usersIn(file);
    assert.deepEqual(
      users.map((user) => [user.name, user.role]),
      [
        ["admin", "admin"],
        ["Anna", "viewer"],
      ],
    );
    assert.equal(await verifySecret(ANNA_NEW, users[1]?.password ?? ""), true);
    assert.equal(await verifySecret(ANNA, users[1]?.password ?? ""), false);

    const promoted = await web(["add-user", "admin", "--role", "user", "--config", file], twice(BOB));
    assert.equal(promoted.code, 0, promoted.stderr);
    assert.match(promoted.stdout, /^changed admin's password and role \(now user\) in /m);
    users = usersIn(file);
    assert.equal(users.length, 2);
    assert.equal(users[0]?.role, "user");
    assert.equal(await verifySecret(BOB, users[0]?.password ?? ""), true);
    const text = readFileSync(file, "utf8");
    for (const secret of [ANNA, ANNA_NEW, BOB]) assert.ok(!text.includes(secret), secret);
    for (const comment of [
      "# roomguard's config",
      "# seconds to leave",
      "# loopback only",
      "# PEM files relative",
      "# demo-admin",
      "# the end",
    ])
      assert.ok(text.includes(comment), comment);
  });

  it("refuses passwords that differ, are too short or missing (exit 1) and wrong command lines (exit 64), writing nothing", async () => {
    const file = configFile(ORIGINAL);
    const cases: Array<[string, RegExp]> = [
      [`${ANNA}\n${ANNA_NEW}\n`, /the two passwords differ: nothing was written/],
      ["\n\n", /expected a password of 8 to 200 characters, got an empty line: nothing was written/],
      ["seven77\nseven77\n", /expected a password of 8 to 200 characters: nothing was written/],
      [twice("x".repeat(201)), /expected a password of 8 to 200 characters/],
      [`${ANNA}\n`, /expected the password for anna again on a line of standard input, got the end of it/],
      ["", /expected the password for anna on a line of standard input, got the end of it/],
    ];
    for (const [input, message] of cases) {
      const result = await web(["add-user", "anna", "--role", "admin", "--config", file], input);
      assert.equal(result.code, 1, `${JSON.stringify(input)}: ${result.stderr}`);
      assert.match(result.stderr, message);
      for (const line of input.split("\n").filter((entry) => entry.length >= 4))
        assert.ok(!result.stderr.includes(line) && !result.stdout.includes(line), `${line} printed`);
    }
    for (const args of [
      ["add-user"],
      ["add-user", "anna", "bob", "--role", "user"],
      ["add-user", "anna", "--role", "boss"],
      ["add-user", "anna", "--role", "Admin"],
      ["add-user", "Bob B.", "--role", "user"],
      ["add-user", "-x", "--role", "user"],
      ["add-user", "a".repeat(33), "--role", "user"],
      ["add-user", "newbie"], // a new user needs a role
      ["remove-user"],
      ["users", "extra"],
      ["frobnicate"],
      [],
    ]) {
      const result = await web([...args, "--config", file], twice(BOB));
      assert.equal(result.code, 64, `${args.join(" ")}: ${result.stderr}`);
      assert.ok(!result.stderr.includes(BOB));
    }
    const role = await web(["add-user", "anna", "--role", "boss", "--config", file]);
    assert.match(role.stderr, /--role: expected admin, user or viewer, got "boss"/);
    const name = await web(["add-user", "Bob B.", "--role", "user", "--config", file]);
    assert.match(name.stderr, /expected a name of up to 32 letters, digits, \. _ - \(no spaces\), got "Bob B\."/);
    assert.equal(readFileSync(file, "utf8"), ORIGINAL);
  });

  it("makes web: and users: where the file has none", async () => {
    const cases: Array<[string, string, RegExp]> = [
      [
        "no web section",
        "# just a comment\nalarm:\n  exitDelayS: 30\n",
        /^# just a comment\nalarm:\n {2}exitDelayS: 30\nweb:\n {2}users:\n {4}- name: anna\n {6}role: admin\n {6}password: scrypt\S+\n$/,
      ],
      [
        "web without users",
        "web:\n    listen: 127.0.0.1:8080 # here\n",
        /^web:\n {4}listen: 127\.0\.0\.1:8080 # here\n {4}users:\n {8}- name: anna\n {10}role: admin\n {10}password: scrypt\S+\n$/,
      ],
      ["an empty users list", "web:\n  users: [] # nobody yet\n", /^web:\n {2}users: # nobody yet\n {4}- name: anna\n/],
      ["web: with nothing", "web:\n", /^web:\n {2}users:\n {4}- name: anna\n/],
      ["an empty file", "", /^web:\n {2}users:\n {4}- name: anna\n/],
    ];
    for (const [what, text, expected] of cases) {
      const file = configFile(text);
      const result = await web(["add-user", "anna", "--role", "admin", "--config", file], twice(ANNA));
      assert.equal(result.code, 0, `${what}: ${result.stderr}`);
      assert.match(readFileSync(file, "utf8"), expected, what);
      const [anna] = usersIn(file);
      assert.equal(anna?.role, "admin", what);
      assert.equal(await verifySecret(ANNA, anna?.password ?? ""), true, what);
    }
  });

  it("exits 78 saying why when the config file cannot be edited, before asking for a password", async () => {
    const notMap = configFile("web: [1]\n");
    const layout = await web(["add-user", "anna", "--role", "admin", "--config", notMap]);
    assert.equal(layout.code, 78, layout.stderr);
    assert.match(layout.stderr, /cannot edit .*: expected web to be a mapping .*Nothing was written/);
    assert.ok(!layout.stderr.includes("on a line of standard input"), "it asked for a password first");
    assert.equal(readFileSync(notMap, "utf8"), "web: [1]\n");

    const twiceNamed = configFile(
      "web:\n  users:\n    - { name: anna, role: user, password: x }\n    - { name: ANNA, role: user, password: y }\n",
    );
    const duplicate = await web(["add-user", "anna", "--role", "admin", "--config", twiceNamed]);
    assert.equal(duplicate.code, 78);
    assert.match(duplicate.stderr, /holds anna 2 times \(names compare without case\): remove all but one first/);

    const empty = mkdtempSync(path.join(scratch, "none-"));
    const child = spawn(process.execPath, [CLI, "web", "add-user", "anna", "--role", "admin"], {
      cwd: empty,
      env: { ...process.env, ROOMGUARD_CONFIG: "" },
    });
    children.add(child);
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdin.end();
    const code = await new Promise((resolve) => child.on("exit", resolve));
    children.delete(child);
    if (!statSync("/etc/roomguard/config.yaml", { throwIfNoEntry: false })) {
      assert.equal(code, 78, stderr);
      assert.match(stderr, /no config file to write web\.users into/);
    }

    const directory = mkdtempSync(path.join(scratch, "ro-"));
    const readOnly = configFile("web: {}\n", directory);
    // A file that cannot be replaced: its directory is not writable (root writes anyway, so only as others).
    chmodSync(directory, 0o555);
    if (process.getuid?.() !== 0) {
      const result = await web(["add-user", "anna", "--role", "admin", "--config", readOnly], twice(ANNA));
      assert.equal(result.code, 78, result.stderr);
      assert.match(result.stderr, /cannot write .*EACCES/);
    }
    chmodSync(directory, 0o755);
  });

  it("on a terminal, asks twice and shows nothing of what is typed", async (t) => {
    if (spawnSync("script", ["--version"]).status !== 0)
      return t.skip("util-linux script(1), which gives the command a terminal, is not installed");
    const file = configFile(ORIGINAL);
    const terminal = onTerminal(["web", "add-user", "tty", "--role", "viewer", "--config", file], scratch, children);
    await terminal.shown("password for tty: ");
    terminal.type(`${BOB}\r`);
    await terminal.shown("the same password again: ");
    terminal.type(`${BOB}\r`);
    const code = await terminal.exited;
    const output = terminal.output();
    assert.equal(code, 0, output);
    assert.match(output, /added tty \(role viewer\)/);
    assert.ok(!output.includes(BOB) && !output.includes("*"), output);
    assert.equal(await verifySecret(BOB, usersIn(file)[1]?.password ?? ""), true);
  });
});

describe("roomguard web users and remove-user", () => {
  it("lists names and roles, never the hashes, and removes a user (the last leaving users: [])", async () => {
    const file = configFile(ORIGINAL);
    assert.equal((await web(["add-user", "bob", "--role", "viewer", "--config", file], twice(BOB))).code, 0);
    const listed = await web(["users", "--config", file]);
    assert.equal(listed.code, 0, listed.stderr);
    assert.equal(listed.stdout, "NAME   ROLE\nadmin  admin\nbob    viewer\n");
    assert.ok(!listed.stdout.includes("scrypt") && !listed.stderr.includes("scrypt"));

    const unknown = await web(["remove-user", "carol", "--config", file]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /web\.users of .* has no carol: nothing was written/);

    const removed = await web(["remove-user", "ADMIN", "--config", file]);
    assert.equal(removed.code, 0, removed.stderr);
    assert.match(removed.stdout, /^removed admin from web\.users of /m);
    assert.ok(!readFileSync(file, "utf8").includes("# demo-admin"), "the item's comment went with it");
    assert.deepEqual(
      usersIn(file).map((user) => user.name),
      ["bob"],
    );
    assert.equal((await web(["remove-user", "bob", "--config", file])).code, 0);
    const text = readFileSync(file, "utf8");
    assert.match(text, /\n {2}users: \[\]\n\n# the end\n$/);
    assert.deepEqual(usersIn(file), []);
    const none = await web(["users", "--config", file]);
    assert.match(none.stdout, /^no dashboard users in .*: `.*web add-user NAME --role admin.*` adds one$/m);
  });
});

function openssl(args: string[]): string {
  const result = spawnSync("openssl", args, { encoding: "utf8" });
  assert.equal(result.status, 0, result.stderr);
  return result.stdout;
}

describe("roomguard web make-cert", { skip: spawnSync("openssl", ["version"]).status !== 0 ? "openssl is not installed" : false }, () => {
  it("makes a pair for the machine's names and the hosts given, with an EC P-256 key only its owner reads, and sets web.tls", async () => {
    const directory = mkdtempSync(path.join(scratch, "cert-"));
    const file = configFile(ORIGINAL, directory);
    chmodSync(file, 0o600);
    const before = Date.now();
    const result = await web(["make-cert", "--host", "roomguard.example", "--host", "10.1.2.3", "--days", "30", "--config", file]);
    assert.equal(result.code, 0, result.stderr);
    const certFile = path.join(directory, "web-cert.pem");
    const keyFile = path.join(directory, "web-key.pem");
    assert.equal(statSync(keyFile).mode & 0o777, 0o600);
    assert.equal(statSync(certFile).mode & 0o777, 0o644);

    const text = openssl(["x509", "-noout", "-text", "-in", certFile]);
    const names = /X509v3 Subject Alternative Name:.*\n\s*(.*)\n/.exec(text)?.[1]?.split(", ") ?? [];
    const name = hostname().toLowerCase();
    for (const expected of [
      `DNS:${name}`,
      `DNS:${name}.local`,
      "DNS:localhost",
      "DNS:roomguard.example",
      "IP Address:10.1.2.3",
      "IP Address:127.0.0.1",
      "IP Address:0:0:0:0:0:0:0:1",
    ])
      assert.ok(names.includes(expected), `${expected} in ${names.join(", ")}`);
    assert.match(text, /Public Key Algorithm: id-ecPublicKey[\s\S]*NIST CURVE: P-256/);
    assert.match(text, /CA:FALSE/);
    assert.match(text, /TLS Web Server Authentication/);

    const certificate = new X509Certificate(readFileSync(certFile));
    const key = createPrivateKey(readFileSync(keyFile));
    assert.equal(key.asymmetricKeyType, "ec");
    assert.equal(key.asymmetricKeyDetails?.namedCurve, "prime256v1");
    assert.equal(certificate.checkPrivateKey(key), true);
    const days = (Date.parse(certificate.validTo) - before) / 86_400_000;
    assert.ok(days > 29.9 && days < 30.1, `valid ${days} days`);
    assert.ok(Date.parse(certificate.validFrom) <= Date.now());
    assert.ok(certificate.subjectAltName?.includes("DNS:roomguard.example"));

    assert.ok(result.stdout.includes(`SHA-256 fingerprint: ${certificate.fingerprint256}`), result.stdout);
    assert.match(result.stdout, new RegExp(`^URL: https://${name}\\.local:8080/$`, "m"));
    assert.match(result.stderr, /web\.listen is 127\.0\.0\.1:8080, loopback only/);
    assert.match(result.stderr, /answers to roomguard\.example only once web\.hostnames lists it/);
    const loaded = loadConfig({ configPath: file });
    assert.deepEqual(loaded.config.web.tls, { cert: "web-cert.pem", key: "web-key.pem" });
    const edited = readFileSync(file, "utf8");
    assert.equal(edited, ORIGINAL.replace("tls: { cert: null, key: null }", "tls: { cert: web-cert.pem, key: web-key.pem }"));

    // The files are kept unless --force; then replaced with a new key.
    const again = await web(["make-cert", "--config", file]);
    assert.equal(again.code, 1, again.stderr);
    assert.match(again.stderr, /web-cert\.pem and .*web-key\.pem exist: nothing was written\. --force replaces them/);
    assert.equal(new X509Certificate(readFileSync(certFile)).fingerprint256, certificate.fingerprint256);
    const forced = await web(["make-cert", "--force", "--config", file]);
    assert.equal(forced.code, 0, forced.stderr);
    const renewed = new X509Certificate(readFileSync(certFile));
    assert.notEqual(renewed.fingerprint256, certificate.fingerprint256);
    assert.equal(renewed.checkPrivateKey(createPrivateKey(readFileSync(keyFile))), true);
    assert.equal(readFileSync(file, "utf8"), edited);
  });

  it("writes into --out, a key the config's group reads when it reads the config, and makes web.tls where missing", async () => {
    const directory = mkdtempSync(path.join(scratch, "cert-"));
    const file = configFile("# no web section\nalarm: {}\n", directory);
    chmodSync(file, 0o640);
    const out = path.join(directory, "tls");
    mkdirSync(out);
    const elsewhere = mkdtempSync(path.join(scratch, "elsewhere-"));
    const inside = await web(["make-cert", "--out", out, "--config", file]);
    assert.equal(inside.code, 0, inside.stderr);
    assert.equal(statSync(path.join(out, "web-key.pem")).mode & 0o777, 0o640);
    assert.deepEqual(loadConfig({ configPath: file }).config.web.tls, { cert: "tls/web-cert.pem", key: "tls/web-key.pem" });
    assert.match(
      readFileSync(file, "utf8"),
      /^# no web section\nalarm: \{\}\nweb:\n {2}tls:\n {4}cert: tls\/web-cert\.pem\n {4}key: tls\/web-key\.pem\n$/,
    );
    const outside = await web(["make-cert", "--out", elsewhere, "--config", file]);
    assert.equal(outside.code, 0, outside.stderr);
    assert.deepEqual(loadConfig({ configPath: file }).config.web.tls, {
      cert: path.join(elsewhere, "web-cert.pem"),
      key: path.join(elsewhere, "web-key.pem"),
    });
  });

  it("refuses a wrong command line (64) and says which package to install without openssl (69)", async () => {
    const file = configFile(ORIGINAL);
    for (const args of [
      ["--days", "0"],
      ["--days", "826"],
      ["--days", "1.5"],
      ["--host", "bad name"],
      ["--host", "-x.example"],
      ["--out", ""],
    ]) {
      const result = await web(["make-cert", ...args, "--config", file]);
      assert.equal(result.code, 64, `${args.join(" ")}: ${result.stderr}`);
    }
    const noOpenssl = await web(["make-cert", "--config", file], "", { PATH: path.join(scratch, "no-such-bin") });
    assert.equal(noOpenssl.code, 69, noOpenssl.stderr);
    assert.match(noOpenssl.stderr, /openssl is not installed: `sudo apt-get install openssl` installs it/);
    assert.equal(readFileSync(file, "utf8"), ORIGINAL);
  });
});

import assert from "node:assert/strict";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { curveKeyPair } from "zeromq";
import { keyFingerprint, readAllowed, readKeyPair, readPublicKey } from "@roomguard/bus";
import { roomguard } from "@roomguard/testing";

const scratch = mkdtempSync(path.join(tmpdir(), "roomguard-keys-cli-"));
after(() => rmSync(scratch, { recursive: true, force: true }));
let setups = 0;

/** A config file in a fresh directory whose bus.keys is `keys` (relative: beside the file), and that directory. */
function setup(keys = "var/keys"): { config: string; dir: string } {
  const home = path.join(scratch, `setup-${++setups}`);
  mkdirSync(home);
  const config = path.join(home, "roomguard.yaml");
  writeFileSync(config, `bus:\n  keys: ${keys}\n`);
  return { config, dir: path.resolve(home, keys) };
}

const keys = (config: string, ...args: string[]): ReturnType<typeof roomguard> => roomguard(config, ["keys", ...args]);
const mode = (file: string): number => statSync(file).mode & 0o777;

/** A machine's keys as `keys init` made them there: its config and its host.key. */
async function otherMachine(): Promise<{ hostKeyFile: string; publicKey: string }> {
  const other = setup();
  assert.equal((await keys(other.config, "init")).code, 0);
  const hostKeyFile = path.join(other.dir, "host.key");
  return { hostKeyFile, publicKey: readPublicKey(hostKeyFile) };
}

describe("roomguard keys", { timeout: 120_000 }, () => {
  it("is listed by roomguard help, and roomguard help keys shows its forms", async () => {
    const { config } = setup();
    const help = await roomguard(config, ["help"]);
    assert.match(help.out, /^ {2}keys {2,}the bus's CURVE keys: init, allow, revoke, list$/m);
    const usage = await roomguard(config, ["help", "keys"]);
    for (const form of [
      "roomguard keys init",
      "roomguard keys allow NAME PUBLIC_KEY|FILE",
      "roomguard keys revoke NAME",
      "roomguard keys list [--json]",
    ])
      assert.ok(usage.out.includes(form), form);
  });

  it("init makes the router's and the host's pairs in bus.keys (0700, secrets 0600), prints them and what to do next", async () => {
    const { config, dir } = setup();
    const made = await keys(config, "init");
    assert.equal(made.code, 0, made.err);
    assert.equal(mode(dir), 0o700);
    for (const name of ["router", "host"]) {
      assert.equal(mode(path.join(dir, `${name}.key_secret`)), 0o600, name);
      assert.equal(mode(path.join(dir, `${name}.key`)), 0o644, name);
    }
    const router = readKeyPair(path.join(dir, "router.key_secret"));
    const host = readKeyPair(path.join(dir, "host.key_secret"));
    assert.match(made.out, new RegExp(`^made ${dir} \\(0700\\)$`, "m"));
    assert.match(
      made.out,
      new RegExp(`^made the router's pair: ${dir}/router\\.key \\(public\\) and router\\.key_secret \\(secret, 0600\\)$`, "m"),
    );
    assert.match(made.out, /^made this host's pair: .*\/host\.key \(public\) and host\.key_secret \(secret, 0600\)$/m);
    for (const [name, pair] of [
      ["router", router],
      ["host", host],
    ] as const) {
      const row = made.out.split("\n").find((line) => line.startsWith(`${name} `)) ?? "";
      assert.ok(row.includes(pair.publicKey) && row.includes(keyFingerprint(pair.publicKey)), row);
      assert.ok(!made.out.includes(pair.secretKey) && !made.err.includes(pair.secretKey), "never a secret key");
    }
    assert.match(made.out, /^Next:$/m);
    assert.match(made.out, new RegExp(`copy ${dir}/router\\.key into its keys directory \\(bus\\.keys\\) as router\\.key`));
    assert.match(made.out, /roomguard keys allow NAME KEY .*with its host\.key/);
    assert.match(made.out, /A running router applies it at once/);

    // Again, as the deploy does on every install: the pairs stay, and it says so.
    const again = await keys(config, "init");
    assert.equal(again.code, 0, again.err);
    assert.match(again.out, /^kept the router's pair: .*router\.key and router\.key_secret were there$/m);
    assert.match(again.out, /^kept this host's pair: .*host\.key and host\.key_secret were there$/m);
    assert.ok(!again.out.includes("made "), again.out);
    assert.deepEqual(readKeyPair(path.join(dir, "router.key_secret")), router);
    assert.deepEqual(readKeyPair(path.join(dir, "host.key_secret")), host);
    assert.ok(again.out.includes(router.publicKey) && again.out.includes(host.publicKey));
  });

  it("init makes a keys directory that holds only keys private, and keeps a copied router.key on a client machine", async () => {
    const { config, dir } = setup();
    mkdirSync(dir, { recursive: true, mode: 0o755 });
    chmodSync(dir, 0o755);
    const remoteRouter = curveKeyPair().publicKey;
    writeFileSync(path.join(dir, "router.key"), `curve\n    public-key = "${remoteRouter}"\n`);
    const result = await keys(config, "init");
    assert.equal(result.code, 0, result.err);
    assert.match(result.out, /made .* private: 0700 \(was 755\)/);
    assert.equal(mode(dir), 0o700);
    assert.match(result.out, /kept .*router\.key without a secret file: the router this host connects to/);
    assert.equal(readPublicKey(path.join(dir, "router.key")), remoteRouter, "the copied key is not replaced");
    assert.ok(!existsSync(path.join(dir, "router.key_secret")));
    assert.ok(existsSync(path.join(dir, "host.key_secret")));

    const list = await keys(config, "list", "--json");
    assert.equal(list.code, 0, list.err);
    const listed = JSON.parse(list.out) as { router: { publicKey: string; isOwnPair: boolean } };
    assert.equal(listed.router.publicKey, remoteRouter);
    assert.equal(listed.router.isOwnPair, false);
  });

  it("allow takes a key as Z85 or as a .key file; allowing it again changes nothing; revoke takes it out", async () => {
    const { config, dir } = setup();
    assert.equal((await keys(config, "init")).code, 0);
    const laptop = await otherMachine();
    const pi2 = await otherMachine();

    const byKey = await keys(config, "allow", "laptop", laptop.publicKey);
    assert.equal(byKey.code, 0, byKey.err);
    assert.match(byKey.out, new RegExp(`^allowed laptop: ${keyFingerprint(laptop.publicKey)}, in ${dir}/allowed/laptop\\.key$`, "m"));
    assert.match(byKey.out, /A running router applies it at once: it follows allowed\/ \(no restart\)\./);

    const byFile = await keys(config, "allow", "pi2", pi2.hostKeyFile);
    assert.equal(byFile.code, 0, byFile.err);
    assert.match(byFile.out, new RegExp(`^allowed pi2: ${keyFingerprint(pi2.publicKey)} from ${pi2.hostKeyFile}, in `, "m"));
    assert.deepEqual(readAllowed(dir), [
      { name: "laptop", publicKey: laptop.publicKey },
      { name: "pi2", publicKey: pi2.publicKey },
    ]);

    // A Z85 key may start with "-", as one in 85 do: it is the key, not an option.
    const dashed = "-ncRs?X8OMnT>]S%TnK3[Aoq>S*]BDrtAu-ZW)+a";
    const byDashedKey = await keys(config, "allow", "dashed", dashed);
    assert.equal(byDashedKey.code, 0, byDashedKey.err);
    assert.equal((await keys(config, "revoke", "dashed")).code, 0);

    const same = await keys(config, "allow", "laptop", laptop.hostKeyFile);
    assert.equal(same.code, 0, same.err);
    assert.match(same.out, /^laptop is already allowed with that key \(sha256:[0-9a-f]{16}\): nothing changed$/m);

    const renamed = await keys(config, "allow", "laptop2", laptop.publicKey);
    assert.equal(renamed.code, 1);
    assert.match(renamed.err, /that key is already allowed as laptop: `.*keys revoke laptop.*` first/);

    const replacement = curveKeyPair().publicKey;
    const replaced = await keys(config, "allow", "laptop", replacement);
    assert.equal(replaced.code, 0, replaced.err);
    assert.match(
      replaced.out,
      new RegExp(`^replaced laptop's key: ${keyFingerprint(replacement)} \\(was ${keyFingerprint(laptop.publicKey)}\\)`, "m"),
    );

    const revoked = await keys(config, "revoke", "laptop");
    assert.equal(revoked.code, 0, revoked.err);
    assert.match(
      revoked.out,
      new RegExp(`^revoked laptop \\(${keyFingerprint(replacement)}\\): removed ${dir}/allowed/laptop\\.key$`, "m"),
    );
    assert.match(revoked.out, /A running router applies it at once.*laptop's open connections are closed\./);
    assert.deepEqual(
      readAllowed(dir).map((key) => key.name),
      ["pi2"],
    );

    const unknown = await keys(config, "revoke", "laptop");
    assert.equal(unknown.code, 1);
    assert.equal(unknown.out, "");
    assert.match(
      unknown.err,
      /^roomguard keys revoke: laptop is not allowed \(no .*allowed\/laptop\.key\): nothing was revoked\. Allowed: pi2$/m,
    );
  });

  it("list shows the router's and host's keys and each allowed name with fingerprints; --json the same for a script", async () => {
    const { config, dir } = setup();
    assert.equal((await keys(config, "init")).code, 0);
    const router = readKeyPair(path.join(dir, "router.key_secret"));
    const host = readKeyPair(path.join(dir, "host.key_secret"));

    const empty = await keys(config, "list");
    assert.equal(empty.code, 0, empty.err);
    assert.match(empty.out, /^allowed: none \(`.*keys allow NAME KEY.*` lets another machine in\)$/m);

    const laptop = curveKeyPair().publicKey;
    assert.equal((await keys(config, "allow", "laptop", laptop)).code, 0);
    const list = await keys(config, "list");
    assert.equal(list.code, 0, list.err);
    const lines = list.out.split("\n");
    assert.equal(lines[0], `keys in ${dir}`);
    assert.match(lines[1] ?? "", /^KEY +FINGERPRINT +PUBLIC KEY +WHOSE$/);
    const row = (...cells: string[]): RegExp =>
      new RegExp(`^${cells.map((cell) => cell.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join(" +")}$`, "m");
    assert.match(list.out, row("router", keyFingerprint(router.publicKey), router.publicKey, "this machine's router"));
    assert.match(list.out, row("host", keyFingerprint(host.publicKey), host.publicKey, "this host's programs (always let in)"));
    assert.match(list.out, /^allowed \(1\):\nNAME +FINGERPRINT +PUBLIC KEY$/m);
    assert.match(list.out, row("laptop", keyFingerprint(laptop), laptop));
    assert.match(list.out, /A running router follows allowed\/: `keys allow` and `keys revoke` apply at once\./);
    assert.ok(!list.out.includes(router.secretKey) && !list.out.includes(host.secretKey), "never a secret key");

    const json = await keys(config, "list", "--json");
    assert.equal(json.code, 0, json.err);
    assert.deepEqual(JSON.parse(json.out), {
      dir,
      router: {
        publicKey: router.publicKey,
        fingerprint: keyFingerprint(router.publicKey),
        file: path.join(dir, "router.key"),
        isOwnPair: true,
      },
      host: { publicKey: host.publicKey, fingerprint: keyFingerprint(host.publicKey), file: path.join(dir, "host.key") },
      allowed: [{ name: "laptop", publicKey: laptop, fingerprint: keyFingerprint(laptop), file: path.join(dir, "allowed", "laptop.key") }],
      problems: [],
    });
  });

  it("list before init says init makes the keys; exit 0", async () => {
    const { config } = setup();
    const list = await keys(config, "list");
    assert.equal(list.code, 0, list.err);
    assert.match(list.out, /^router +- +none: `.*keys init.*` makes it$/m);
    assert.match(list.out, /^host +- +none: `.*keys init.*` makes it$/m);
  });

  it("list and init exit 78 on a secret file others may read, printing the file and the fix; a bad allowed file too", async () => {
    const { config, dir } = setup();
    assert.equal((await keys(config, "init")).code, 0);
    const secret = path.join(dir, "host.key_secret");
    chmodSync(secret, 0o640);
    for (const verb of ["list", "init"]) {
      const result = await keys(config, verb);
      assert.equal(result.code, 78, `${verb}: ${result.err}`);
      assert.match(
        result.err,
        new RegExp(
          `^roomguard keys ${verb}: ${secret} is readable by others \\(mode 640\\): a secret key must be private\\. Fix: chmod 600 ${secret}$`,
          "m",
        ),
      );
      assert.equal(mode(secret), 0o640, `${verb} leaves the mode for the user to fix`);
    }
    chmodSync(secret, 0o600);
    assert.equal((await keys(config, "list")).code, 0);

    assert.equal((await keys(config, "allow", "laptop", curveKeyPair().publicKey)).code, 0);
    writeFileSync(path.join(dir, "allowed", "broken.key"), "not a certificate\n");
    const broken = await keys(config, "list", "--json");
    assert.equal(broken.code, 78);
    const listed = JSON.parse(broken.out) as { allowed: Array<{ name: string }>; problems: string[] };
    assert.deepEqual(
      listed.allowed.map((key) => key.name),
      ["laptop"],
    );
    assert.equal(listed.problems.length, 1);
    assert.match(listed.problems[0] ?? "", /broken\.key is not a CURVE certificate.*\(the router leaves it out\)/);
    assert.match(broken.err, /^roomguard keys list: .*broken\.key is not a CURVE certificate/m);
  });

  it("refuses a bad key, a bad or reserved name, a secret file, this host's own key, and allow before init", async () => {
    const { config, dir } = setup();
    const before = await keys(config, "allow", "laptop", curveKeyPair().publicKey);
    assert.equal(before.code, 1);
    assert.match(before.err, /bus\.keys\) does not exist: `.*keys init.*` makes the keys first/);
    assert.equal((await keys(config, "init")).code, 0);
    const key = curveKeyPair().publicKey;

    const cases: Array<[string[], number, RegExp]> = [
      [
        ["allow", "laptop", key.slice(1)],
        64,
        /expected a public key \(40 characters of Z85.*\) or a \.key file, got ".*" \(39 characters, no such file\)/,
      ],
      [["allow", "laptop", "no-such-file.key"], 64, /expected a public key .* or a \.key file, got "no-such-file\.key"/],
      [["allow", "lap top", key], 64, /expected a NAME of 1 to 63 letters, digits, \. _ - starting with a letter or digit, got "lap top"/],
      [["allow", "../etc", key], 64, /got "\.\.\/etc"/],
      [["allow", "host", key], 64, /host is reserved/],
      [["revoke", "router"], 64, /router is reserved/],
      [["allow", "laptop"], 64, /allow: expected NAME and PUBLIC_KEY/],
      [["revoke"], 64, /revoke: expected one NAME/],
      [["list", "--jsn"], 64, /Unknown option '--jsn'/],
      [["rotate"], 64, /expected init, allow, revoke or list, got "rotate"/],
      [["allow", "pi2", path.join(dir, "host.key_secret")], 1, /holds a secret key: give the public \.key file/],
      [["allow", "pi2", path.join(dir, "host.key")], 1, /that is this host's own key \(host\.key\), always let in/],
      [["allow", "pi2", path.join(dir, "router.key")], 1, /that is the router's key \(router\.key\), not a client's/],
      [["allow", "pi2", config], 1, /roomguard\.yaml is not a CURVE certificate/],
    ];
    for (const [args, code, message] of cases) {
      const result = await keys(config, ...args);
      assert.equal(result.code, code, `${args.join(" ")}: ${result.err}`);
      assert.match(result.err, message, args.join(" "));
      if (code === 64) assert.match(result.err, /\(see: .*help keys\)/, args.join(" "));
    }
    assert.ok(!existsSync(path.join(dir, "allowed")), "nothing was allowed");
    assert.ok(readFileSync(path.join(dir, "host.key"), "utf8").includes("public-key"));
  });

  it("exits 78 naming bus.keys when it is invalid", async () => {
    const { config } = setup();
    writeFileSync(config, "bus:\n  keys: 5\n");
    const result = await keys(config, "list");
    assert.equal(result.code, 78, result.err);
    assert.match(result.err, /bus\.keys/);
  });
});

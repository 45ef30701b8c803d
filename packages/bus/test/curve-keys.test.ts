import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { curveKeyPair } from "zeromq";
import { waitUntil } from "@roomguard/runtime/testing";
import { AllowList, type AllowListChange } from "../src/allow-list.js";
import {
  allowedDir,
  allowKey,
  createKeyPair,
  HOST_KEY,
  isZ85Key,
  keyFingerprint,
  KeyFileError,
  publicKeyFile,
  readAllowed,
  readKeyPair,
  readPublicKey,
  revokeKey,
  ROUTER_KEY,
  secretKeyFile,
  z85Encode,
} from "../src/curve-keys.js";

const scratch = mkdtempSync(path.join(tmpdir(), "roomguard-curve-keys-"));
after(() => rmSync(scratch, { recursive: true, force: true }));
let dirs = 0;
const freshDir = (): string => path.join(scratch, `keys-${++dirs}`);

/** libzmq's example pair (zmq_curve(7)): a certificate written elsewhere, not by createKeyPair. */
const CLIENT = { publicKey: "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID", secretKey: "D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs" };

/** Throws unless `run` throws a KeyFileError whose message matches and whose file is `file`. */
function assertKeyFileError(run: () => unknown, message: RegExp, file: string): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof KeyFileError, String(error));
    assert.match(error.message, message);
    assert.equal(error.file, file);
    return true;
  });
}

describe("z85Encode", () => {
  it("encodes the ZeroMQ RFC 32 test vector: 86 4F D2 6F B5 59 F7 5B is HelloWorld", () => {
    assert.equal(z85Encode(Buffer.from([0x86, 0x4f, 0xd2, 0x6f, 0xb5, 0x59, 0xf7, 0x5b])), "HelloWorld");
  });

  it("encodes all zeros and all ones at the ends of the alphabet, and a 32-byte key as 40 characters", () => {
    assert.equal(z85Encode(Buffer.alloc(4)), "00000");
    assert.equal(z85Encode(Buffer.from([0xff, 0xff, 0xff, 0xff])), "%nSc0"); // 2^32 - 1 in base 85
    const key = z85Encode(Buffer.alloc(32, 0xa5));
    assert.equal(key.length, 40);
    assert.ok(isZ85Key(key));
  });

  it("refuses a length that is not whole 4-byte groups", () => {
    assert.throws(() => z85Encode(Buffer.alloc(5)), /whole 4-byte groups, got 5 bytes/);
  });
});

describe("key files", () => {
  it("round-trips a created pair: the secret file gives the pair, the public file its public key; 0600 and 0644", () => {
    const dir = freshDir();
    const pair = createKeyPair(dir, ROUTER_KEY, new Date("2026-12-01T10:00:00Z"));
    assert.ok(isZ85Key(pair.publicKey) && isZ85Key(pair.secretKey));
    assert.deepEqual(readKeyPair(secretKeyFile(dir, ROUTER_KEY)), pair);
    assert.equal(readPublicKey(publicKeyFile(dir, ROUTER_KEY)), pair.publicKey);
    assert.equal(statSync(secretKeyFile(dir, ROUTER_KEY)).mode & 0o777, 0o600);
    assert.equal(statSync(publicKeyFile(dir, ROUTER_KEY)).mode & 0o777, 0o644);
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    const text = readFileSync(publicKeyFile(dir, ROUTER_KEY), "utf8");
    assert.match(text, /^# {3}\*{4} {2}Generated on 2026-12-01T10:00:00\.000Z by roomguard keys {2}\*{4}$/m);
    assert.match(text, /^metadata\n {4}name = "router"\ncurve\n {4}public-key = "(.{40})"\n$/m);
    assert.ok(!text.includes("secret-key"), "the public file holds no secret");
    assert.ok(!readFileSync(secretKeyFile(dir, ROUTER_KEY), "utf8").includes("\r"));
  });

  it("refuses to replace an existing pair, or a lone public key (a copied router.key), leaving the files as they were", () => {
    const dir = freshDir();
    createKeyPair(dir, HOST_KEY);
    const before = readFileSync(secretKeyFile(dir, HOST_KEY), "utf8");
    const secret = secretKeyFile(dir, HOST_KEY);
    assertKeyFileError(() => createKeyPair(dir, HOST_KEY), /exists: a new pair would lock out everyone who trusts it/, secret);
    assert.equal(readFileSync(secret, "utf8"), before);

    const copied = publicKeyFile(dir, ROUTER_KEY);
    writeFileSync(copied, `curve\n    public-key = "${CLIENT.publicKey}"\n`);
    assertKeyFileError(() => createKeyPair(dir, ROUTER_KEY), /exists without its secret file/, copied);
    assert.equal(readPublicKey(copied), CLIENT.publicKey);
    assert.ok(!existsSync(secretKeyFile(dir, ROUTER_KEY)));
  });

  it("refuses a secret file others may read (0640), naming chmod 600 and the file", () => {
    const dir = freshDir();
    createKeyPair(dir, HOST_KEY);
    const secret = secretKeyFile(dir, HOST_KEY);
    chmodSync(secret, 0o640);
    assertKeyFileError(() => readKeyPair(secret), new RegExp(`readable by others \\(mode 640\\).*Fix: chmod 600 ${secret}$`), secret);
    chmodSync(secret, 0o604);
    assertKeyFileError(() => readKeyPair(secret), /mode 604/, secret);
    chmodSync(secret, 0o600);
    assert.ok(readKeyPair(secret).secretKey);
  });

  it(
    "refuses a secret file that belongs to another user, naming its uid and chown",
    { skip: process.getuid?.() === 0 ? false : "needs root to give a file away (chown)" },
    () => {
      const dir = freshDir();
      createKeyPair(dir, HOST_KEY);
      const secret = secretKeyFile(dir, HOST_KEY);
      chownSync(secret, 65534, 65534); // nobody: root still reads it, so only the owner check can refuse
      assertKeyFileError(() => readKeyPair(secret), /belongs to uid 65534, not to this user \(uid 0\).*chown \$\(id -un\)/, secret);
    },
  );

  it("says what to run when a key file is missing, and refuses a public file where a secret one is wanted", () => {
    const dir = freshDir();
    const missing = secretKeyFile(dir, HOST_KEY);
    assertKeyFileError(() => readKeyPair(missing), /does not exist: `roomguard keys init` creates the keys/, missing);
    createKeyPair(dir, HOST_KEY);
    const pub = publicKeyFile(dir, HOST_KEY);
    chmodSync(pub, 0o600);
    assertKeyFileError(() => readKeyPair(pub), /has no secret-key line: is it the public \.key file\?/, pub);
  });

  it("parses certificate text as pyzmq's zmq.auth writes it (its banner, metadata and indentation)", () => {
    const dir = freshDir();
    mkdirSync(dir, { mode: 0o700 });
    const text = [
      "#   ****  Generated on 2026-12-01 10:00:00.123456 by pyzmq  ****",
      "#   ZeroMQ CURVE **Secret** Certificate",
      "#   DO NOT PROVIDE THIS FILE TO OTHER USERS nor change its permissions.",
      "",
      "metadata",
      "    name = laptop",
      "curve",
      `    public-key = "${CLIENT.publicKey}"`,
      `    secret-key = "${CLIENT.secretKey}"`,
      "",
    ].join("\n");
    const file = path.join(dir, "laptop.key_secret");
    writeFileSync(file, text, { mode: 0o600 });
    assert.deepEqual(readKeyPair(file), CLIENT);
    const crlf = path.join(dir, "windows.key");
    writeFileSync(crlf, text.replace(/\n/g, "\r\n"));
    assert.equal(readPublicKey(crlf), CLIENT.publicKey);
  });

  it("refuses a certificate whose keys are not 40 characters of Z85", () => {
    const dir = freshDir();
    mkdirSync(dir, { mode: 0o700 });
    const short = path.join(dir, "short.key");
    writeFileSync(short, `curve\n    public-key = "${CLIENT.publicKey.slice(1)}"\n`);
    assertKeyFileError(() => readPublicKey(short), /is not a CURVE certificate: no public-key = "<40 characters of Z85>" line/, short);
    const badSecret = path.join(dir, "bad.key_secret");
    writeFileSync(badSecret, `curve\n    public-key = "${CLIENT.publicKey}"\n    secret-key = "${CLIENT.secretKey.replace("D", " ")}"\n`, {
      mode: 0o600,
    });
    assertKeyFileError(() => readKeyPair(badSecret), /its secret-key is not 40 characters of Z85/, badSecret);
  });

  it("fingerprints tell keys apart without showing them", () => {
    const one = curveKeyPair().publicKey;
    const two = curveKeyPair().publicKey;
    assert.match(keyFingerprint(one), /^sha256:[0-9a-f]{16}$/);
    assert.equal(keyFingerprint(one), keyFingerprint(one));
    assert.notEqual(keyFingerprint(one), keyFingerprint(two));
  });
});

describe("the allow-list files", () => {
  it("allows, replaces and revokes names; refuses a bad name or key", () => {
    const dir = freshDir();
    const laptop = curveKeyPair().publicKey;
    allowKey(dir, "laptop", laptop);
    assert.equal(readPublicKey(publicKeyFile(allowedDir(dir), "laptop")), laptop);
    const replaced = curveKeyPair().publicKey;
    allowKey(dir, "laptop", replaced);
    assert.deepEqual(readAllowed(dir), [{ name: "laptop", publicKey: replaced }]);
    assert.equal(revokeKey(dir, "laptop"), true);
    assert.equal(revokeKey(dir, "laptop"), false);
    assert.deepEqual(readAllowed(dir), []);
    assert.throws(() => allowKey(dir, "../escape", laptop), /not a key name: "\.\.\/escape"/);
    assert.throws(() => revokeKey(dir, "a b"), /not a key name/);
    assert.throws(() => allowKey(dir, "pi2", laptop.slice(0, 39)), /expected 40 characters of Z85/);
  });

  it("readAllowed skips a file that is not a certificate, reports it, and ignores files not named *.key", () => {
    const dir = freshDir();
    assert.deepEqual(readAllowed(dir), [], "no allowed/ yet: nobody");
    const good = curveKeyPair().publicKey;
    allowKey(dir, "good", good);
    writeFileSync(path.join(allowedDir(dir), "bad.key"), "not a certificate\n");
    writeFileSync(path.join(allowedDir(dir), "README.txt"), "notes\n");
    const bad: KeyFileError[] = [];
    assert.deepEqual(
      readAllowed(dir, (error) => bad.push(error)),
      [{ name: "good", publicKey: good }],
    );
    assert.equal(bad.length, 1);
    assert.equal(bad[0]?.file, path.join(allowedDir(dir), "bad.key"));
    assert.match(bad[0]?.message ?? "", /is not a CURVE certificate/);
  });
});

describe("AllowList", () => {
  it("admits host and the allowed names; reload says which names were revoked (removed or replaced) and which added", () => {
    const dir = freshDir();
    const host = createKeyPair(dir, HOST_KEY).publicKey;
    const laptop = curveKeyPair().publicKey;
    allowKey(dir, "laptop", laptop);
    const list = new AllowList(dir);
    assert.equal(list.admit(host), HOST_KEY);
    assert.equal(list.admit(laptop), "laptop");
    assert.equal(list.size, 2);
    assert.equal(list.admit(curveKeyPair().publicKey), undefined);

    const pi2 = curveKeyPair().publicKey;
    allowKey(dir, "pi2", pi2);
    revokeKey(dir, "laptop");
    assert.deepEqual(list.reload(), { revoked: ["laptop"], added: ["pi2"] });
    assert.equal(list.admit(laptop), undefined);
    assert.equal(list.admit(pi2), "pi2");

    const pi2New = curveKeyPair().publicKey;
    allowKey(dir, "pi2", pi2New);
    assert.deepEqual(list.reload(), { revoked: ["pi2"], added: ["pi2"] }, "a replaced key is revoked: its connections must go");
    assert.equal(list.admit(pi2), undefined);
    assert.deepEqual(list.reload(), { revoked: [], added: [] });
  });

  it("reports a bad allowed file and a missing host.key, and still admits the rest", () => {
    const dir = freshDir();
    const laptop = curveKeyPair().publicKey;
    allowKey(dir, "laptop", laptop);
    writeFileSync(path.join(allowedDir(dir), "broken.key"), "");
    const bad: string[] = [];
    const list = new AllowList(dir, (error) => bad.push(path.basename(error.file)));
    assert.deepEqual(bad.sort(), ["broken.key", "host.key"]);
    assert.equal(list.admit(laptop), "laptop");
  });

  it("follow() notices an allow and a revoke within a couple of seconds, allowed/ made after it started", async () => {
    const dir = freshDir();
    createKeyPair(dir, HOST_KEY);
    const list = new AllowList(dir);
    const changes: AllowListChange[] = [];
    list.follow((change) => changes.push(change));
    try {
      const laptop = curveKeyPair().publicKey;
      const allowedAt = Date.now();
      allowKey(dir, "laptop", laptop); // makes allowed/: the poll sees it
      await waitUntil(() => changes.length >= 1, { what: "the allow noticed", timeoutMs: 5000 });
      assert.ok(Date.now() - allowedAt < 3500, `noticed after ${Date.now() - allowedAt} ms`);
      assert.deepEqual(changes[0], { revoked: [], added: ["laptop"] });
      assert.equal(list.admit(laptop), "laptop");

      const revokedAt = Date.now();
      revokeKey(dir, "laptop");
      await waitUntil(() => changes.length >= 2, { what: "the revoke noticed", timeoutMs: 5000 });
      assert.ok(Date.now() - revokedAt < 3500, `noticed after ${Date.now() - revokedAt} ms`);
      assert.deepEqual(changes[1], { revoked: ["laptop"], added: [] });
      assert.equal(list.admit(laptop), undefined);
    } finally {
      list.close();
    }
  });

  it("follow() on an existing allowed/ sees a change at once through its watch, not only at the poll", async () => {
    const dir = freshDir();
    createKeyPair(dir, HOST_KEY);
    allowKey(dir, "laptop", curveKeyPair().publicKey);
    const list = new AllowList(dir);
    const changes: AllowListChange[] = [];
    list.follow((change) => changes.push(change));
    try {
      const revokedAt = Date.now();
      revokeKey(dir, "laptop");
      await waitUntil(() => changes.length >= 1, { what: "the revoke noticed", timeoutMs: 5000 });
      // The poll runs every 2 s; the watch answers in its 50 ms debounce plus scheduling.
      assert.ok(Date.now() - revokedAt < 1500, `noticed after ${Date.now() - revokedAt} ms`);
      assert.deepEqual(changes, [{ revoked: ["laptop"], added: [] }]);
    } finally {
      list.close();
    }
  });
});

describe("pyzmq (python3-zmq) and our files", () => {
  // Debian's python3-zmq is installed for Debian's python3, which may not be the first on the PATH (pyenv).
  const python3 = existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
  const python = (script: string): string => {
    const run = spawnSync(python3, ["-c", script], { encoding: "utf8" });
    if (run.error || run.status !== 0) {
      const why = run.error?.message ?? run.stderr;
      const missing = /No module named 'zmq'|ENOENT/.test(why);
      assert.fail(
        missing ? `python3 with pyzmq is needed (apt-get install python3-zmq; scripts/system-packages.mjs lists it): ${why}` : why,
      );
    }
    return run.stdout;
  };

  it("zmq.auth.load_certificate reads the files createKeyPair and allowKey write, and the pair is a real CURVE pair", () => {
    const dir = freshDir();
    const pair = createKeyPair(dir, ROUTER_KEY);
    const laptop = curveKeyPair().publicKey;
    allowKey(dir, "laptop", laptop);
    const script = [
      "import json, sys, zmq, zmq.auth",
      "pub, sec = zmq.auth.load_certificate(sys.argv[1])",
      "pub2, none = zmq.auth.load_certificate(sys.argv[2])",
      "allowed, none2 = zmq.auth.load_certificate(sys.argv[3])",
      "print(json.dumps({'public': pub.decode(), 'secret': sec.decode(), 'public2': pub2.decode(), 'none': none, 'allowed': allowed.decode(),",
      "  'derived': zmq.curve_public(sec).decode()}))",
    ].join("\n");
    const run = spawnSync(
      python3,
      ["-c", script, secretKeyFile(dir, ROUTER_KEY), publicKeyFile(dir, ROUTER_KEY), publicKeyFile(allowedDir(dir), "laptop")],
      { encoding: "utf8" },
    );
    if (run.status !== 0) python("import zmq.auth"); // says what is missing, when that is why
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout), {
      public: pair.publicKey,
      secret: pair.secretKey,
      public2: pair.publicKey,
      none: null,
      allowed: laptop,
      derived: pair.publicKey,
    });
  });

  it("reads the certificates zmq.auth.create_certificates writes", () => {
    const dir = freshDir();
    mkdirSync(dir, { mode: 0o700 });
    python(`import zmq.auth; zmq.auth.create_certificates(${JSON.stringify(dir)}, "laptop")`);
    const secret = secretKeyFile(dir, "laptop");
    chmodSync(secret, 0o600); // pyzmq leaves the mode to the umask
    const pair = readKeyPair(secret);
    assert.equal(readPublicKey(publicKeyFile(dir, "laptop")), pair.publicKey);
    const derived = python(`import zmq; print(zmq.curve_public(${JSON.stringify(pair.secretKey)}.encode()).decode())`).trim();
    assert.equal(derived, pair.publicKey);
  });
});

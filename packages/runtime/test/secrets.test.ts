import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { validateConfig } from "@roomguard/config";
import { DEFAULT_SCRYPT_COST, hashSecret, SecretFormatError, verifySecret } from "../src/secrets.js";

// Cheap parameters where the cost does not matter to the test.
const CHEAP = { N: 2 ** 4, r: 1, p: 1 };
const SALT = Buffer.alloc(16, 7).toString("base64");
const KEY = Buffer.alloc(32, 9).toString("base64");

describe("hashSecret and verifySecret", () => {
  it("round-trip at the default cost, in the form the config accepts", async () => {
    const stored = await hashSecret("4711");
    const { N, r, p } = DEFAULT_SCRYPT_COST;
    assert.match(stored, new RegExp(`^scrypt\\$${N}\\$${r}\\$${p}\\$[A-Za-z0-9+/]{22}==\\$[A-Za-z0-9+/]{43}=$`));
    assert.equal(await verifySecret("4711", stored), true);
    const checked = validateConfig({ alarm: { users: [{ name: "anna", pin: stored }] } });
    assert.ok(checked.ok, JSON.stringify(checked));
  });

  it("refuses a wrong secret, a prefix of it and one with more digits", async () => {
    const stored = await hashSecret("123456", CHEAP);
    for (const wrong of ["123457", "12345", "1234567", "", "123456 "]) assert.equal(await verifySecret(wrong, stored), false, wrong);
  });

  it("salts every hash: two hashes of one secret differ, and each verifies", async () => {
    const [one, two] = await Promise.all([hashSecret("0000", CHEAP), hashSecret("0000", CHEAP)]);
    assert.notEqual(one, two);
    assert.notEqual(one.split("$")[4], two.split("$")[4]);
    assert.equal(await verifySecret("0000", one), true);
    assert.equal(await verifySecret("0000", two), true);
  });

  it("never writes the secret into the hash, in any encoding", async () => {
    for (const secret of ["1234", "987654321012", "31415926"]) {
      const stored = await hashSecret(secret, CHEAP);
      for (const form of [secret, Buffer.from(secret).toString("base64").replace(/=+$/, ""), Buffer.from(secret).toString("hex")])
        assert.ok(!stored.includes(form), `${form} in ${stored}`);
    }
  });

  it("honours the cost it is given, and checks it against the cost stored, beyond Node's 32 MiB default maxmem", async () => {
    // 128·8·(2^15+3) bytes is just over 32 MiB: refused unless maxmem is passed for the stored cost.
    const stored = await hashSecret("2468", { N: 2 ** 15, r: 8, p: 1 });
    assert.match(stored, /^scrypt\$32768\$8\$1\$/);
    assert.equal(await verifySecret("2468", stored), true);
    assert.equal(await verifySecret("2469", stored), false);
  });

  it("refuses malformed stored hashes with a message that does not quote them", async () => {
    const malformed = [
      "",
      "1234",
      `bcrypt$16$1$1$${SALT}$${KEY}`,
      `scrypt$16$1$1$${SALT}`,
      `scrypt$16$1$1$${SALT}$${KEY}$x`,
      `scrypt$16$1$1$${SALT}$`,
      `scrypt$16$1$1$$${KEY}`,
      `scrypt$16$1$1$${SALT}$${KEY.slice(0, -1)}`, // its padding gone: not canonical base64
      `scrypt$16$1$1$${SALT}$not*base64`,
      `scrypt$16$1$1$${SALT}$${Buffer.alloc(8).toString("base64")}`, // too short a hash
      `scrypt$16$1$1$${Buffer.alloc(200).toString("base64")}$${KEY}`, // too long a salt
      `scrypt$016$1$1$${SALT}$${KEY}`,
      `scrypt$16.0$1$1$${SALT}$${KEY}`,
      `scrypt$-16$1$1$${SALT}$${KEY}`,
      `scrypt$15$1$1$${SALT}$${KEY}`, // not a power of two
      `scrypt$1$1$1$${SALT}$${KEY}`,
      `scrypt$16$0$1$${SALT}$${KEY}`,
      `scrypt$16$1$0$${SALT}$${KEY}`,
    ];
    for (const stored of malformed) {
      await assert.rejects(verifySecret("1234", stored), (error: Error) => {
        assert.ok(error instanceof SecretFormatError, `${stored}: ${error.message}`);
        assert.match(error.message, /^not a code hash of the form scrypt\$N\$r\$p\$salt\$hash/);
        if (stored.length > 0) assert.ok(!error.message.includes(stored), error.message);
        return true;
      });
    }
    await assert.rejects(verifySecret("1234", 42 as unknown as string), SecretFormatError);
  });

  it("refuses parameters that would take gigabytes or spin for long, before taking any memory", async () => {
    const oversized = [
      [`scrypt$${2 ** 17}$8$1$${SALT}$${KEY}`, /N to be a power of two from 2 to 2\^16, got 131072/],
      [`scrypt$${2 ** 30}$8$1$${SALT}$${KEY}`, /got 1073741824/],
      [`scrypt$9999999999$8$1$${SALT}$${KEY}`, /got 9999999999/],
      [`scrypt$16$9$1$${SALT}$${KEY}`, /r from 1 to 8, got 9/],
      [`scrypt$16$1$5$${SALT}$${KEY}`, /p from 1 to 4, got 5/],
      [`scrypt$16$1$1000000$${SALT}$${KEY}`, /p from 1 to 4, got 1000000/],
    ] as const;
    // Refused by the bounds (the message names them), not by scrypt failing to allocate.
    for (const [stored, message] of oversized) await assert.rejects(verifySecret("1234", stored), message);
    await assert.rejects(hashSecret("1234", { N: 2 ** 17 }), SecretFormatError);
    await assert.rejects(hashSecret("1234", { r: 0 }), SecretFormatError);
    await assert.rejects(hashSecret("1234", { p: 1.5 }), SecretFormatError);
  });
});

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { hashSecret } from "@roomguard/runtime";
import { createPasswordCheck } from "../src/passwords.js";

describe("the password check", () => {
  it("answers the user and role for the right password, null for a wrong one or an unknown user", async () => {
    const users = [
      { name: "alice", role: "admin" as const, password: await hashSecret("correct horse") },
      { name: "bob", role: "viewer" as const, password: await hashSecret("battery staple") },
    ];
    const check = await createPasswordCheck(users);
    assert.deepEqual(await check("alice", "correct horse"), { user: "alice", role: "admin" });
    assert.deepEqual(await check("bob", "battery staple"), { user: "bob", role: "viewer" });
    assert.equal(await check("alice", "battery staple"), null);
    assert.equal(await check("Alice", "correct horse"), null);
    assert.equal(await check("mallory", "correct horse"), null);
    assert.equal(await check("alice", ""), null);
  });
  it("answers no match, not an error, for a stored hash it cannot check", async () => {
    const check = await createPasswordCheck([{ name: "eve", role: "user", password: "scrypt$3$8$1$AAAA$AAAA" }]);
    assert.equal(await check("eve", "anything"), null);
  });
  it("runs at most `concurrent` checks with `waiting` queued, and says busy past that", async () => {
    const users = [{ name: "alice", role: "user" as const, password: await hashSecret("pw") }];
    const check = await createPasswordCheck(users, { concurrent: 1, waiting: 2 });
    const verdicts = await Promise.all([check("alice", "pw"), check("alice", "x"), check("nobody", "pw"), check("alice", "pw")]);
    assert.deepEqual(verdicts, [{ user: "alice", role: "user" }, null, null, "busy"]);
    assert.deepEqual(await check("alice", "pw"), { user: "alice", role: "user" }, "the queue drained");
  });
});

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ManualClock } from "@roomguard/runtime";
import { hashSessionId, SessionStore } from "../src/sessions.js";

const HASH = "scrypt$1024$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
const users = [
  { name: "alice", role: "admin" as const, password: HASH },
  { name: "bob", role: "viewer" as const, password: HASH },
];
const limits = { idleHours: 12, maxDays: 30 };
const HOUR = 3_600_000;

describe("SessionStore", () => {
  it("gives random 256-bit ids and answers with the user's role", () => {
    const store = new SessionStore(limits, users, new ManualClock());
    const a = store.create("alice");
    const b = store.create("alice");
    assert.match(a, /^[A-Za-z0-9_-]{43}$/);
    assert.notEqual(a, b);
    assert.deepEqual(store.use(a), { user: "alice", role: "admin" });
    assert.deepEqual(store.use(b), { user: "alice", role: "admin" });
  });
  it("refuses forged, malformed and missing ids", () => {
    const store = new SessionStore(limits, users, new ManualClock());
    store.create("alice");
    for (const id of [undefined, "", "x".repeat(43), "short", `${"a".repeat(42)}=`, "a".repeat(4000)])
      assert.equal(store.use(id), undefined, id);
  });
  it("ends a session unused for idleHours, and every session maxDays after its login even in use", () => {
    const clock = new ManualClock();
    const store = new SessionStore(limits, users, clock);
    const idle = store.create("alice");
    const busy = store.create("alice");
    clock.advance(11 * HOUR);
    assert.ok(store.use(busy));
    clock.advance(1 * HOUR);
    assert.equal(store.isLive(hashSessionId(idle)), false);
    assert.equal(store.use(idle), undefined);
    for (let hours = 12; hours < 30 * 24 - 11; hours += 11) {
      assert.ok(store.use(busy), `at ${hours} h`);
      clock.advance(11 * HOUR);
    }
    clock.advance(11 * HOUR);
    assert.equal(store.use(busy), undefined);
    assert.equal(store.size, 0);
  });
  it("ends a session at logout", () => {
    const store = new SessionStore(limits, users, new ManualClock());
    const id = store.create("bob");
    assert.equal(store.isLive(hashSessionId(id)), true);
    assert.equal(store.revoke(id), true);
    assert.equal(store.isLive(hashSessionId(id)), false);
    assert.equal(store.use(id), undefined);
    assert.equal(store.revoke(id), false);
  });
  it("keeps only the ids' hashes, and takes them back (a restart keeps the page logged in)", () => {
    const clock = new ManualClock();
    const store = new SessionStore(limits, users, clock);
    const id = store.create("bob");
    const records = store.records();
    assert.equal(JSON.stringify(records).includes(id), false);
    assert.equal(records[0]?.idHash, hashSessionId(id));
    const restarted = new SessionStore(limits, users, clock, records);
    assert.deepEqual(restarted.use(id), { user: "bob", role: "viewer" });
  });
  it("ends the sessions of a user no longer in the config and follows a changed role", () => {
    const clock = new ManualClock();
    const store = new SessionStore(limits, users, clock);
    const alice = store.create("alice");
    const bob = store.create("bob");
    const restarted = new SessionStore(limits, [{ name: "bob", role: "user", password: HASH }], clock, store.records());
    assert.equal(restarted.size, 1);
    assert.equal(restarted.use(alice), undefined);
    assert.deepEqual(restarted.use(bob), { user: "bob", role: "user" });
  });
  it("keeps at most maxSessions, ending the least recently used", () => {
    const store = new SessionStore({ ...limits, maxSessions: 3 }, users, new ManualClock());
    const ids = [store.create("alice"), store.create("alice"), store.create("alice")];
    store.use(ids[0]);
    store.create("bob");
    assert.equal(store.size, 3);
    assert.equal(store.use(ids[1]), undefined);
    assert.ok(store.use(ids[0]));
    assert.ok(store.use(ids[2]));
  });
  it("keeps a session with an open page from ending idle (touch), not past maxDays", () => {
    const clock = new ManualClock();
    const store = new SessionStore(limits, users, clock);
    const hash = hashSessionId(store.create("alice"));
    for (let hours = 0; hours < 30 * 24 - 1; hours++) {
      clock.advance(HOUR);
      assert.equal(store.isLive(hash, { touch: true }), true, `at ${hours + 1} h`);
    }
    clock.advance(HOUR);
    assert.equal(store.isLive(hash, { touch: true }), false);
    const idle = hashSessionId(store.create("alice"));
    clock.advance(6 * HOUR);
    assert.equal(store.isLive(idle), true);
    clock.advance(6 * HOUR);
    assert.equal(store.isLive(idle), false, "without touch the check is no use");
  });
});

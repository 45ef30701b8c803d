import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ManualClock } from "@roomguard/runtime";
import { addressKey, LoginLimiter } from "../src/login-limiter.js";

const limits = { attempts: 5, baseS: 30, maxS: 900, trackedAddresses: 1000 };

describe("LoginLimiter", () => {
  it("refuses an address after `attempts` failures with the wait in the message; another address is unaffected", () => {
    const clock = new ManualClock();
    const limiter = new LoginLimiter(limits, clock);
    for (let i = 0; i < 4; i++) limiter.fail("10.0.0.1");
    assert.deepEqual(limiter.check("10.0.0.1"), { ok: true });
    limiter.fail("10.0.0.1");
    assert.deepEqual(limiter.check("10.0.0.1"), {
      ok: false,
      retryAfterS: 30,
      message: "too many failed logins from your address; try again in 30 s",
    });
    assert.deepEqual(limiter.check("10.0.0.2"), { ok: true });
    clock.advance(29_500);
    assert.equal(limiter.check("10.0.0.1").ok, false);
    clock.advance(500);
    assert.deepEqual(limiter.check("10.0.0.1"), { ok: true });
  });
  it("doubles the wait with each further failure up to maxS, and forgets on success", () => {
    const clock = new ManualClock();
    const limiter = new LoginLimiter(limits, clock);
    const waits: number[] = [];
    for (let i = 0; i < 12; i++) {
      limiter.fail("10.0.0.1");
      const verdict = limiter.check("10.0.0.1");
      waits.push(verdict.ok ? 0 : verdict.retryAfterS);
    }
    assert.deepEqual(waits, [0, 0, 0, 0, 30, 60, 120, 240, 480, 900, 900, 900]);
    limiter.succeed("10.0.0.1");
    assert.deepEqual(limiter.check("10.0.0.1"), { ok: true });
  });
  it("remembers at most trackedAddresses, forgetting the least recently failed", () => {
    const limiter = new LoginLimiter({ ...limits, attempts: 1, trackedAddresses: 3 }, new ManualClock());
    for (const address of ["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.1", "10.0.0.4"]) limiter.fail(address);
    assert.equal(limiter.size, 3);
    assert.equal(limiter.check("10.0.0.2").ok, true, "the oldest is forgotten");
    for (const address of ["10.0.0.1", "10.0.0.3", "10.0.0.4"]) assert.equal(limiter.check(address).ok, false, address);
    for (let i = 0; i < 10_000; i++) limiter.fail(`10.1.${i >> 8}.${i & 255}`);
    assert.equal(limiter.size, 3);
  });
  it("counts an IPv6 address by its /64 and a v4-mapped one as IPv4", () => {
    assert.equal(addressKey("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
    assert.equal(addressKey("2001:0db8:0001:0002:ffff:1:2:3"), "2001:db8:1:2::/64");
    assert.equal(addressKey("2001:db8::5"), "2001:db8:0:0::/64");
    assert.equal(addressKey("::1"), "0:0:0:0::/64");
    assert.equal(addressKey("::ffff:192.168.1.9"), "192.168.1.9");
    assert.equal(addressKey("192.168.1.9"), "192.168.1.9");
    const limiter = new LoginLimiter({ ...limits, attempts: 1 }, new ManualClock());
    limiter.fail("2001:db8:1:2::1");
    assert.equal(limiter.check("2001:db8:1:2::99").ok, false);
    assert.equal(limiter.check("2001:db8:1:3::1").ok, true);
  });
  it("counts logins in flight against the attempts, so a burst sent at once is not a burst of guesses", () => {
    const limiter = new LoginLimiter(limits, new ManualClock());
    const verdicts = Array.from({ length: 8 }, () => limiter.begin("10.0.0.1").ok);
    assert.deepEqual(verdicts, [true, true, true, true, true, false, false, false]);
    assert.deepEqual(limiter.check("10.0.0.1"), {
      ok: false,
      retryAfterS: 1,
      message: "too many logins from your address at once; try again in 1 s",
    });
    assert.equal(limiter.begin("10.0.0.2").ok, true, "another address is unaffected");
    limiter.abandon("10.0.0.1");
    assert.equal(limiter.begin("10.0.0.1").ok, true, "an abandoned login frees its place");
    for (let i = 0; i < 5; i++) limiter.fail("10.0.0.1");
    assert.equal(limiter.check("10.0.0.1").ok, false);
  });
  it("after a wait, lets one guess at a time through", () => {
    const clock = new ManualClock();
    const limiter = new LoginLimiter(limits, clock);
    for (let i = 0; i < 5; i++) limiter.fail("10.0.0.1");
    clock.advance(30_000);
    assert.equal(limiter.begin("10.0.0.1").ok, true);
    assert.equal(limiter.begin("10.0.0.1").ok, false);
    limiter.succeed("10.0.0.1");
    assert.equal(limiter.begin("10.0.0.1").ok, true);
  });
});

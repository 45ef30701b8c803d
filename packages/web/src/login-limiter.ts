import { isIP } from "node:net";
import type { Clock } from "@roomguard/runtime";

/** The limiter's settings (`web.login`). */
export interface LoginLimits {
  /** Failures from one address before it waits. */
  attempts: number;
  /** The first wait in seconds, doubled for each further failure. */
  baseS: number;
  /** The longest wait in seconds. */
  maxS: number;
  /** Addresses remembered at once; the least recently failing one is forgotten first. */
  trackedAddresses: number;
}

/** Whether a login from an address may be tried now; when not, how long it waits and what to tell it. */
export type LoginVerdict = { ok: true } | { ok: false; retryAfterS: number; message: string };

interface Failures {
  count: number;
  /** Epoch ms before which the address is refused. */
  until: number;
}

/**
 * Failed logins per remote address: after `attempts` failures the address waits `baseS`,
 * doubling up to `maxS` with each further failure; a success forgets it. Memory is bounded by
 * `trackedAddresses` (a Map in least-recently-failed order). An IPv6 address counts by its /64,
 * the block one household gets, so an attacker cannot start afresh from each of its 2^64
 * addresses; `::ffff:a.b.c.d` counts as a.b.c.d.
 */
export class LoginLimiter {
  private readonly failures = new Map<string, Failures>();
  /** Logins being checked now, by address key: each may still fail, so each counts against `attempts`. */
  private readonly inFlight = new Map<string, number>();

  constructor(
    private readonly limits: LoginLimits,
    private readonly clock: Clock,
  ) {}

  /** Whether `address` may try a login now (without starting one: {@link begin} does). */
  check(address: string): LoginVerdict {
    const key = addressKey(address);
    const entry = this.failures.get(key);
    const waitMs = entry === undefined ? 0 : entry.until - this.clock.now();
    if (waitMs > 0) {
      const retryAfterS = Math.ceil(waitMs / 1000);
      return { ok: false, retryAfterS, message: `too many failed logins from your address; try again in ${retryAfterS} s` };
    }
    // Logins sent at once would all be checked before the first failure counts: a burst of 30
    // would be 30 guesses. Those in flight count as failures until they are not; past a wait,
    // one guess at a time.
    const count = entry?.count ?? 0;
    const allowed = count >= this.limits.attempts ? 1 : this.limits.attempts - count;
    if ((this.inFlight.get(key) ?? 0) >= allowed)
      return { ok: false, retryAfterS: 1, message: "too many logins from your address at once; try again in 1 s" };
    return { ok: true };
  }

  /**
   * {@link check}, and when the login may go ahead, counts it as in flight until
   * {@link fail}, {@link succeed} or {@link abandon} for the same address.
   */
  begin(address: string): LoginVerdict {
    const verdict = this.check(address);
    if (verdict.ok) {
      const key = addressKey(address);
      this.inFlight.set(key, (this.inFlight.get(key) ?? 0) + 1);
    }
    return verdict;
  }

  /** A login {@link begin} started that was not checked (a bad body, the checker busy). */
  abandon(address: string): void {
    const key = addressKey(address);
    const left = (this.inFlight.get(key) ?? 0) - 1;
    if (left > 0) this.inFlight.set(key, left);
    else this.inFlight.delete(key);
  }

  /** Counts a failed login from `address` (and ends one in flight, if any). */
  fail(address: string): void {
    this.abandon(address);
    const key = addressKey(address);
    const count = (this.failures.get(key)?.count ?? 0) + 1;
    const over = count - this.limits.attempts;
    const waitS = over < 0 ? 0 : Math.min(this.limits.maxS, this.limits.baseS * 2 ** Math.min(over, 30));
    // Deleted and set again, so the Map's order is the order of last failure.
    this.failures.delete(key);
    this.failures.set(key, { count, until: this.clock.now() + waitS * 1000 });
    for (const oldest of this.failures.keys()) {
      if (this.failures.size <= this.limits.trackedAddresses) break;
      this.failures.delete(oldest);
    }
  }

  /** A successful login from `address`: its failures are forgotten (and one in flight ends, if any). */
  succeed(address: string): void {
    this.abandon(address);
    this.failures.delete(addressKey(address));
  }

  /** How many addresses are remembered (for STATUS and the memory bound's test). */
  get size(): number {
    return this.failures.size;
  }
}

/** The key an address counts under: IPv4 as is, IPv6 by its first four groups (/64). */
export function addressKey(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped?.[1] !== undefined) return mapped[1];
  if (isIP(address) !== 6) return address;
  const [head = "", tail = ""] = address.toLowerCase().replace(/%.*$/, "").split("::");
  const left = head === "" ? [] : head.split(":");
  const right = address.includes("::") && tail !== "" ? tail.split(":") : [];
  const groups = [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill("0"), ...right];
  return `${groups
    .slice(0, 4)
    .map((group) => group.replace(/^0+(?=.)/, ""))
    .join(":")}::/64`;
}

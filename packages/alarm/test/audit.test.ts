import assert from "node:assert/strict";
import { appendFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { ManualClock } from "@roomguard/runtime";
import { AUDIT_FILE, openAudit, readAudit } from "../src/audit.js";
import type { AlarmEvent } from "../src/types.js";

const DAY_MS = 24 * 60 * 60 * 1000;
const T0 = Date.UTC(2026, 0, 1);

const scratchDirs: string[] = [];
after(() => {
  for (const dir of scratchDirs) rmSync(dir, { recursive: true, force: true });
});

function scratch(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "roomguard-audit-"));
  scratchDirs.push(dir);
  return dir;
}

function rotated(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => name !== AUDIT_FILE)
    .sort();
}

const big = { keepDays: 90, rotateBytes: 1024 * 1024 };

describe("the audit trail", () => {
  it("appends one JSON line per event with `at` as ISO, and reads them back oldest first", () => {
    const dir = path.join(scratch(), "alarm");
    const audit = openAudit(dir, big);
    const events: AlarmEvent[] = [
      { kind: "arm", at: T0, user: "alice", source: "keypad", mode: "away" },
      { kind: "armed", at: T0 + 30_000, mode: "away", source: "alarm" },
      { kind: "bad_code", at: T0 + 60_000, source: "dashboard", attempts: 1 },
      { kind: "trigger", at: T0 + 90_000, zone: "front" },
    ];
    for (const event of events) audit.append(event);
    audit.close();
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    assert.equal(statSync(path.join(dir, AUDIT_FILE)).mode & 0o777, 0o600);
    const lines = readFileSync(path.join(dir, AUDIT_FILE), "utf8").split("\n");
    assert.equal(lines[0], '{"at":"2026-01-01T00:00:00.000Z","kind":"arm","user":"alice","source":"keypad","mode":"away"}');
    assert.equal(lines.length, 5, "four lines, each ended");
    assert.deepEqual(readAudit(dir), { events, skipped: [] });
    assert.throws(() => audit.append(events[0] as AlarmEvent), /closed/);
  });

  it("filters by time (at or after since) and by kinds", () => {
    const dir = scratch();
    const audit = openAudit(dir, big);
    for (let minute = 0; minute < 10; minute++)
      audit.append({ kind: minute % 2 === 0 ? "arm" : "disarm", at: T0 + minute * 60_000, user: "alice" });
    audit.close();
    const since = new Date(T0 + 5 * 60_000);
    assert.deepEqual(
      readAudit(dir, { since }).events.map((event) => event.at),
      [5, 6, 7, 8, 9].map((minute) => T0 + minute * 60_000),
    );
    assert.deepEqual(
      readAudit(dir, { kinds: ["disarm"] }).events.map((event) => event.at),
      [1, 3, 5, 7, 9].map((minute) => T0 + minute * 60_000),
    );
    assert.deepEqual(
      readAudit(dir, { since, kinds: ["arm", "trigger"] }).events.map((event) => event.at),
      [6, 8].map((minute) => T0 + minute * 60_000),
    );
    assert.deepEqual(readAudit(path.join(dir, "nothing-here")), { events: [], skipped: [] });
  });

  it("rotates at rotateBytes to audit-<time>.jsonl and reads across the rotated files in order", () => {
    const dir = scratch();
    const clock = new ManualClock(T0);
    const audit = openAudit(dir, { keepDays: 90, rotateBytes: 4096 }, clock);
    const written: AlarmEvent[] = [];
    for (let n = 0; n < 200; n++) {
      clock.advance(1000);
      const event: AlarmEvent = { kind: "trouble", at: clock.now(), zone: `zone-${n}`, reason: "sensor fault ENODEV" };
      audit.append(event);
      written.push(event);
    }
    audit.close();
    const files = rotated(dir);
    assert.ok(files.length >= 3, `rotated files: ${files.join(", ")}`);
    for (const name of files) {
      assert.match(name, /^audit-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}\.\d{3}Z\.jsonl$/);
      const size = statSync(path.join(dir, name)).size;
      assert.ok(size >= 4096 && size < 4096 + 200, `${name}: ${size} bytes, rotated once it reached 4096`);
    }
    assert.ok(statSync(path.join(dir, AUDIT_FILE)).size < 4096);
    assert.deepEqual(readAudit(dir), { events: written, skipped: [] });
  });

  it("removes rotated files whose newest entry is older than keepDays, at open and at each rotation", () => {
    const dir = scratch();
    const clock = new ManualClock(T0);
    const options = { keepDays: 10, rotateBytes: 4096 };
    const fill = (audit: ReturnType<typeof openAudit>, zone: string): void => {
      const before = rotated(dir).join();
      while (rotated(dir).join() === before) audit.append({ kind: "trouble", at: clock.now(), zone, reason: "x".repeat(100) });
    };
    const audit = openAudit(dir, options, clock);
    fill(audit, "day-0"); // rotated on day 0, its newest entry on day 0
    clock.advance(5 * DAY_MS);
    fill(audit, "day-5");
    assert.equal(rotated(dir).length, 2);
    clock.advance(6 * DAY_MS); // day 11: day 0's file is past 10 days
    fill(audit, "day-11"); // the rotation prunes
    const zoneOf = (name: string): string | undefined =>
      (JSON.parse(readFileSync(path.join(dir, name), "utf8").split("\n")[0] ?? "{}") as { zone?: string }).zone;
    assert.deepEqual(rotated(dir).map(zoneOf), ["day-5", "day-11"]);
    audit.append({ kind: "trouble", at: clock.now(), zone: "current" });
    audit.close();
    clock.advance(5 * DAY_MS); // day 16: day 5's file is past 10 days; found at open
    openAudit(dir, options, clock).close();
    assert.deepEqual(rotated(dir).map(zoneOf), ["day-11"]);
    assert.deepEqual(new Set(readAudit(dir).events.map((event) => event.zone)), new Set(["day-11", "current"]));
    // The current file is never pruned, however old.
    clock.advance(100 * DAY_MS);
    openAudit(dir, options, clock).close();
    assert.deepEqual(rotated(dir), []);
    assert.deepEqual(
      readAudit(dir).events.map((event) => event.zone),
      ["current"],
    );
  });

  it("skips and reports a line torn by a power cut, and the next event starts a line of its own", () => {
    const dir = scratch();
    const audit = openAudit(dir, big);
    audit.append({ kind: "arm", at: T0, user: "alice", source: "keypad", mode: "away" });
    audit.close();
    const whole = JSON.stringify({ at: new Date(T0 + 1000).toISOString(), kind: "disarm", user: "alice", source: "keypad" });
    appendFileSync(path.join(dir, AUDIT_FILE), whole.slice(0, 30)); // the power went mid-append
    const torn = readAudit(dir);
    assert.deepEqual(
      torn.events.map((event) => event.kind),
      ["arm"],
    );
    assert.deepEqual(torn.skipped, [{ file: AUDIT_FILE, line: 2, why: "torn or not JSON" }]);

    const reopened = openAudit(dir, big);
    reopened.append({ kind: "restart", at: T0 + 5000, source: "alarm" });
    reopened.close();
    const after = readAudit(dir);
    assert.deepEqual(
      after.events.map((event) => event.kind),
      ["arm", "restart"],
    );
    assert.equal(after.skipped.length, 1);
  });

  it("skips lines that are JSON but not events", () => {
    const dir = scratch();
    writeFileSync(path.join(dir, AUDIT_FILE), `[1]\n{"kind":"arm"}\n{"at":"2026-01-01T00:00:00.000Z","kind":"arm"}\n`);
    const { events, skipped } = readAudit(dir);
    assert.deepEqual(events, [{ at: T0, kind: "arm" }]);
    assert.deepEqual(
      skipped.map((line) => [line.line, line.why]),
      [
        [1, "not an object"],
        [2, "no kind or no ISO time"],
      ],
    );
  });

  it("refuses, writing nothing, an event carrying a key named like a code, pin, password or secret (at any depth)", () => {
    const dir = scratch();
    const audit = openAudit(dir, big);
    const leaks: Array<Record<string, unknown>> = [
      { code: "1234" },
      { pin: "1234" },
      { duressPin: "9999" },
      { password: "hunter2" },
      { Passwd: "x" },
      { secret: "x" },
      { request: { code: "1234" } },
      { zones: [{ PIN: "1" }] },
    ];
    for (const extra of leaks) {
      const event = { kind: "disarm", at: T0, user: "alice", ...extra } as AlarmEvent;
      assert.throws(
        () => audit.append(event),
        /refusing to audit an event with the key "\w+": the audit trail never holds a code/,
        JSON.stringify(extra),
      );
    }
    assert.throws(() => audit.append({ kind: "arm", at: Number.NaN }), /needs "at" in epoch ms/);
    audit.close();
    assert.equal(readFileSync(path.join(dir, AUDIT_FILE), "utf8"), "");
  });
});

import assert from "node:assert/strict";
import { appendFileSync, chmodSync, chownSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { ManualClock } from "@roomguard/runtime";
import { AUDIT_FILE, openAudit, readAudit, type AuditOptions } from "../src/audit.js";
import type { StorageLog } from "../src/state-dir.js";
import type { AlarmEvent } from "../src/types.js";
import { inMountNamespace, isRoot, PRINTING_LOG, runAs } from "./mount-namespace.js";

const DAY_MS = 24 * 60 * 60 * 1000;
const MiB = 1024 * 1024;
const T0 = Date.UTC(2026, 0, 1);
const AUDIT_MODULE = new URL("../src/audit.js", import.meta.url).href;

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

/** The audit files in `dir` and their total size. */
function totalSize(dir: string): number {
  return readdirSync(dir).reduce((sum, name) => sum + statSync(path.join(dir, name)).size, 0);
}

/** A logger that keeps what it is told. */
function keptLog(): StorageLog & { lines: Array<{ level: string; message: string; fields?: object }> } {
  const lines: Array<{ level: string; message: string; fields?: object }> = [];
  const keep =
    (level: string) =>
    (message: string, fields?: object): void => {
      lines.push({ level, message, ...(fields ? { fields } : {}) });
    };
  return { lines, info: keep("info"), warn: keep("warn"), error: keep("error") };
}

const big: AuditOptions = { keepDays: 90, rotateBytes: 1 * MiB, maxBytes: 64 * MiB };

describe("the audit trail", () => {
  it("appends one JSON line per event with `at` as ISO, and reads them back oldest first", async () => {
    const dir = path.join(scratch(), "alarm");
    const umask = process.umask(0o077); // a strict umask must not take the group's read
    const audit = openAudit(dir, big);
    process.umask(umask);
    const events: AlarmEvent[] = [
      { kind: "arm", at: T0, user: "alice", source: "keypad", mode: "away" },
      { kind: "armed", at: T0 + 30_000, mode: "away", source: "alarm" },
      { kind: "bad_code", at: T0 + 60_000, source: "dashboard", attempts: 1 },
      { kind: "trigger", at: T0 + 90_000, zone: "front" },
    ];
    for (const event of events) audit.append(event);
    audit.close();
    assert.equal(statSync(dir).mode & 0o777, 0o750, "its group may list it");
    assert.equal(statSync(path.join(dir, AUDIT_FILE)).mode & 0o777, 0o640, "its group may read it");
    const lines = readFileSync(path.join(dir, AUDIT_FILE), "utf8").split("\n");
    assert.equal(lines[0], '{"at":"2026-01-01T00:00:00.000Z","kind":"arm","user":"alice","source":"keypad","mode":"away"}');
    assert.equal(lines.length, 5, "four lines, each ended");
    assert.deepEqual(await readAudit(dir), { events, skipped: [] });
    assert.throws(() => audit.append(events[0] as AlarmEvent), /closed/);
  });

  it("filters by time (at or after since) and by kinds", async () => {
    const dir = scratch();
    const audit = openAudit(dir, big);
    for (let minute = 0; minute < 10; minute++)
      audit.append({ kind: minute % 2 === 0 ? "arm" : "disarm", at: T0 + minute * 60_000, user: "alice" });
    audit.close();
    const since = new Date(T0 + 5 * 60_000);
    assert.deepEqual(
      (await readAudit(dir, { since })).events.map((event) => event.at),
      [5, 6, 7, 8, 9].map((minute) => T0 + minute * 60_000),
    );
    assert.deepEqual(
      (await readAudit(dir, { kinds: ["disarm"] })).events.map((event) => event.at),
      [1, 3, 5, 7, 9].map((minute) => T0 + minute * 60_000),
    );
    assert.deepEqual(
      (await readAudit(dir, { since, kinds: ["arm", "trigger"] })).events.map((event) => event.at),
      [6, 8].map((minute) => T0 + minute * 60_000),
    );
    assert.deepEqual(await readAudit(path.join(dir, "nothing-here")), { events: [], skipped: [] });
  });

  it("rotates at rotateBytes to audit-<time>.jsonl and reads across the rotated files in order", async () => {
    const dir = scratch();
    const clock = new ManualClock(T0);
    const audit = openAudit(dir, { ...big, rotateBytes: 4096 }, clock);
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
    assert.deepEqual(await readAudit(dir), { events: written, skipped: [] });
  });

  it("removes rotated files whose newest entry is older than keepDays, at open and at each rotation", async () => {
    const dir = scratch();
    const clock = new ManualClock(T0);
    const options = { keepDays: 10, rotateBytes: 4096, maxBytes: 64 * MiB };
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
    assert.deepEqual(new Set((await readAudit(dir)).events.map((event) => event.zone)), new Set(["day-11", "current"]));
    // The current file is never pruned, however old.
    clock.advance(100 * DAY_MS);
    openAudit(dir, options, clock).close();
    assert.deepEqual(rotated(dir), []);
    assert.deepEqual(
      (await readAudit(dir)).events.map((event) => event.zone),
      ["current"],
    );
  });

  it("skips and reports a line torn by a power cut, and the next event starts a line of its own", async () => {
    const dir = scratch();
    const audit = openAudit(dir, big);
    audit.append({ kind: "arm", at: T0, user: "alice", source: "keypad", mode: "away" });
    audit.close();
    const whole = JSON.stringify({ at: new Date(T0 + 1000).toISOString(), kind: "disarm", user: "alice", source: "keypad" });
    appendFileSync(path.join(dir, AUDIT_FILE), whole.slice(0, 30)); // the power went mid-append
    const torn = await readAudit(dir);
    assert.deepEqual(
      torn.events.map((event) => event.kind),
      ["arm"],
    );
    assert.deepEqual(torn.skipped, [{ file: AUDIT_FILE, line: 2, why: "torn or not JSON" }]);

    const reopened = openAudit(dir, big);
    reopened.append({ kind: "restart", at: T0 + 5000, source: "alarm" });
    reopened.close();
    const after = await readAudit(dir);
    assert.deepEqual(
      after.events.map((event) => event.kind),
      ["arm", "restart"],
    );
    assert.equal(after.skipped.length, 1);
  });

  it("skips lines that are JSON but not events", async () => {
    const dir = scratch();
    writeFileSync(path.join(dir, AUDIT_FILE), `[1]\n{"kind":"arm"}\n{"at":"2026-01-01T00:00:00.000Z","kind":"arm"}\n`);
    const { events, skipped } = await readAudit(dir);
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

  it("gives an older version's 0700 directory and 0600 audit files the group's read at open; a member of the group reads them, nobody else", async () => {
    const dir = scratch();
    const clock = new ManualClock(T0);
    const older = openAudit(dir, { ...big, rotateBytes: 4096 }, clock);
    while (rotated(dir).length < 2) older.append({ kind: "trouble", at: clock.now(), zone: "hall", reason: "x".repeat(100) });
    older.append({ kind: "restart", at: clock.now(), source: "alarm" });
    older.close();
    for (const name of readdirSync(dir)) chmodSync(path.join(dir, name), 0o600);
    chmodSync(dir, 0o700);

    openAudit(dir, big, clock).close();
    assert.equal(statSync(dir).mode & 0o777, 0o750);
    const modes = (): Array<[string, number]> => readdirSync(dir).map((name) => [name, statSync(path.join(dir, name)).mode & 0o777]);
    assert.deepEqual(
      modes(),
      readdirSync(dir).map((name) => [name, 0o640]),
    );
    const count = (await readAudit(dir)).events.length;
    if (!isRoot) return;
    // As on a Pi: the alarm's user (4242) owns the trail; its group (4243) is the roomguard group.
    for (const name of readdirSync(dir)) chownSync(path.join(dir, name), 4242, 4243);
    chownSync(dir, 4242, 4243);
    const reader = `import { readAudit } from ${JSON.stringify(AUDIT_MODULE)};
      try { console.log(JSON.stringify({ events: (await readAudit(${JSON.stringify(dir)})).events.length })); }
      catch (error) { console.log(JSON.stringify({ error: error.code })); }`;
    assert.deepEqual(await runAs(4244, 4243, reader), [{ events: count }], "a member of the group");
    assert.deepEqual(await runAs(4244, 4244, reader), [{ error: "EACCES" }], "another user");
  });

  it("opening on a read-only disk never throws: it logs what failed, each append throws saying why, and the next open with a writable disk tidies up", async (t) => {
    const dir = scratch();
    const line = (at: number): string => `${JSON.stringify({ at: new Date(at).toISOString(), kind: "restart", source: "alarm" })}\n`;
    const old = "audit-2020-01-01T00-00-00.000Z.jsonl"; // years past keepDays
    writeFileSync(path.join(dir, old), line(Date.UTC(2020, 0, 1)), { mode: 0o600 });
    writeFileSync(path.join(dir, AUDIT_FILE), line(Date.now()), { mode: 0o600 });
    chmodSync(dir, 0o700);
    const script = `import { openAudit } from ${JSON.stringify(AUDIT_MODULE)};
      for (const where of [${JSON.stringify(dir)}, ${JSON.stringify(path.join(dir, "missing"))}]) {
        const audit = openAudit(where, { keepDays: 90, rotateBytes: 4096, maxBytes: 65536 }, undefined, ${PRINTING_LOG});
        console.log(JSON.stringify({ opened: where }));
        for (let n = 0; n < 2; n++)
          try { audit.append({ kind: "arm", at: Date.now(), user: "alice", source: "keypad", mode: "away" }); console.log(JSON.stringify({ appended: true })); }
          catch (error) { console.log(JSON.stringify({ error: error.message, code: error.code })); }
        audit.close();
      }`;
    let output: unknown[];
    let cause: string;
    if (isRoot) {
      cause = "EROFS: read-only file system";
      output = await inMountNamespace(`mount --bind "$1" "$1" && mount -o remount,ro,bind "$1"`, dir, script);
    } else {
      cause = "EACCES: permission denied";
      chmodSync(path.join(dir, AUDIT_FILE), 0o400);
      chmodSync(dir, 0o500);
      t.after(() => chmodSync(dir, 0o700));
      output = await inMountNamespace(null, dir, script);
    }
    const code = cause.slice(0, cause.indexOf(":"));
    const file = path.join(dir, AUDIT_FILE);
    const missing = path.join(dir, "missing");
    const appendFailed = (what: string): unknown => ({ error: `cannot write the audit trail ${what}`, code });
    assert.deepEqual(
      output.filter((entry) => !Object.hasOwn(entry as object, "level") || (entry as { level: string }).level === "error"),
      [
        { level: "error", message: `cannot open the audit trail ${file}: ${cause}, open '${file}'; each event tries again` },
        { opened: dir },
        appendFailed(`${file}: ${cause}, open '${file}'`),
        appendFailed(`${file}: ${cause}, open '${file}'`),
        {
          level: "error",
          message: `cannot open the audit trail ${missing}/${AUDIT_FILE}: ${cause}, mkdir '${missing}'; each event tries again`,
        },
        { opened: missing },
        appendFailed(`${missing}/${AUDIT_FILE}: ${cause}, mkdir '${missing}'`),
        appendFailed(`${missing}/${AUDIT_FILE}: ${cause}, mkdir '${missing}'`),
      ],
    );
    if (isRoot) {
      const warnings = output
        .filter((entry) => (entry as { level?: string }).level === "warn")
        .map((entry) => (entry as { message: string }).message);
      assert.deepEqual(warnings, [
        `cannot let the group read ${dir} (for roomguard alarm history): ${cause}, chmod '${dir}'`,
        `cannot let the group read ${path.join(dir, old)} (for roomguard alarm history): ${cause}, chmod '${path.join(dir, old)}'`,
        `cannot remove old audit files in ${dir}: ${cause}, unlink '${path.join(dir, old)}'; the next rotation tries again`,
      ]);
    }
    chmodSync(dir, 0o700); // as the older version left them
    chmodSync(file, 0o600);
    openAudit(dir, big).close();
    assert.deepEqual(rotated(dir), [], "the old file is pruned");
    assert.equal(statSync(dir).mode & 0o777, 0o750);
    assert.equal(statSync(file).mode & 0o777, 0o640);
  });

  it("keeps the files together within maxBytes: the oldest rotated files go first, also within keepDays, and that is logged", async () => {
    const dir = scratch();
    const clock = new ManualClock(T0);
    const log = keptLog();
    const options: AuditOptions = { keepDays: 90, rotateBytes: 4096, maxBytes: 4 * 4096 };
    const audit = openAudit(dir, options, clock, log);
    const written: AlarmEvent[] = [];
    for (let n = 0; n < 400; n++) {
      clock.advance(1000);
      const event: AlarmEvent = { kind: "trouble", at: clock.now(), zone: `zone-${n}`, reason: "sensor fault ENODEV" };
      audit.append(event);
      written.push(event);
      // Up to rotateBytes for audit.jsonl beside the rotated files, and the line that crosses it.
      assert.ok(totalSize(dir) <= options.maxBytes + 200, `after ${n + 1} events: ${totalSize(dir)} bytes`);
    }
    audit.close();
    assert.equal(rotated(dir).length, 2, "two full rotated files fit beside a full audit.jsonl, three do not");
    const { events } = await readAudit(dir);
    assert.ok(events.length < written.length / 2, `${events.length} events kept`);
    assert.deepEqual(events, written.slice(-events.length), "the newest events, none missing between them");
    const warnings = log.lines.filter((line) => line.level === "warn");
    assert.ok(warnings.length > 0);
    for (const warning of warnings)
      assert.equal(warning.message, "the audit trail reached alarm.audit.maxBytes (16384 bytes): removed its oldest files before keepDays");
  });

  it("a lower maxBytes removes the oldest rotated files at open; audit.jsonl is never removed, even over the cap alone", () => {
    const dir = scratch();
    const clock = new ManualClock(T0);
    const audit = openAudit(dir, { ...big, rotateBytes: 4096 }, clock);
    while (rotated(dir).length < 5) {
      clock.advance(1000);
      audit.append({ kind: "trouble", at: clock.now(), zone: "hall", reason: "x".repeat(100) });
    }
    for (let n = 0; n < 10; n++) audit.append({ kind: "trouble", at: clock.now(), zone: "current", reason: "x".repeat(100) });
    audit.close();
    const before = rotated(dir);
    const current = readFileSync(path.join(dir, AUDIT_FILE), "utf8");
    openAudit(dir, { keepDays: 90, rotateBytes: 4096, maxBytes: 4 * 4096 }, clock).close();
    assert.deepEqual(rotated(dir), before.slice(-2));
    openAudit(dir, { keepDays: 90, rotateBytes: 4096, maxBytes: 1024 }, clock).close();
    assert.deepEqual(rotated(dir), []);
    assert.equal(readFileSync(path.join(dir, AUDIT_FILE), "utf8"), current);
  });
});

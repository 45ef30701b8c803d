// Reading the audit trail back (streamAudit, latestEvents) and the alarm's `history` request over
// real audit files, rotated as the alarm rotates them; `via` recorded with the events it causes.
import assert from "node:assert/strict";
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { RequestRefused } from "@roomguard/bus";
import { createLogger, ManualClock } from "@roomguard/runtime";
import {
  AUDIT_FILE,
  AuditReadError,
  latestEvents,
  openAudit,
  publicEvent,
  readAudit,
  streamAudit,
  type AuditRecord,
} from "../src/audit.js";
import { initialState } from "../src/machine.js";
import { requestArgs } from "../src/request-args.js";
import { AlarmService, type CodeOwner } from "../src/service.js";
import type { AlarmEvent } from "../src/types.js";
import { alarmConfig, T0 } from "./machine-fixtures.js";

const scratchDirs: string[] = [];
after(() => {
  for (const dir of scratchDirs) rmSync(dir, { recursive: true, force: true });
});
function scratch(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "roomguard-history-"));
  scratchDirs.push(dir);
  return dir;
}

/** `count` events a second apart, written by the alarm's own audit with a small rotateBytes: several files. */
function writeTrail(dir: string, count: number, rotateBytes = 2048): AlarmEvent[] {
  const clock = new ManualClock(T0);
  const audit = openAudit(dir, { keepDays: 3650, rotateBytes, maxBytes: 1024 * 1024 * 1024 }, clock);
  const written: AlarmEvent[] = [];
  for (let i = 0; i < count; i++) {
    const event: AlarmEvent = { kind: i % 2 === 0 ? "arm" : "disarm", at: clock.now(), user: "anna", source: "keypad", zone: `z${i}` };
    audit.append(event);
    written.push(event);
    clock.advance(1000);
  }
  audit.close();
  return written;
}

async function collect(records: AsyncIterable<AuditRecord>): Promise<AuditRecord[]> {
  const all: AuditRecord[] = [];
  for await (const record of records) all.push(record);
  return all;
}
const zonesOf = (events: readonly AlarmEvent[]): unknown[] => events.map((event) => event.zone);

describe("streamAudit and latestEvents", () => {
  it("reads several rotated files both ways: newest first is exactly oldest first reversed, lines as stored", async () => {
    const dir = scratch();
    const written = writeTrail(dir, 200);
    assert.ok(readdirSync(dir).length >= 5, `rotated into ${readdirSync(dir).length} files`);
    const forward = await collect(streamAudit(dir));
    const backward = await collect(streamAudit(dir, { newestFirst: true }));
    const events = (records: AuditRecord[]) => records.flatMap((record) => ("event" in record ? [record.event] : []));
    assert.deepEqual(events(forward), written);
    assert.deepEqual(events(backward), [...written].reverse());
    const first = forward[0];
    assert.ok(first && "event" in first);
    assert.equal(first.line, JSON.stringify({ at: new Date(T0).toISOString(), kind: "arm", user: "anna", source: "keypad", zone: "z0" }));
  });

  it("lines across the 64 KiB chunks, in a file of a few MiB, read the same both ways", async () => {
    const dir = scratch();
    const written = writeTrail(dir, 30_000, 8 * 1024 * 1024); // one file of ~3 MiB: lines straddle every chunk boundary
    assert.deepEqual(readdirSync(dir), [AUDIT_FILE]);
    const backward = await collect(streamAudit(dir, { newestFirst: true }));
    assert.equal(backward.length, written.length);
    assert.deepEqual(
      backward.map((record) => ("event" in record ? record.event.zone : record.skipped.why)),
      zonesOf(written).reverse(),
    );
  });

  it("latestEvents: newest first, at most limit, strictly before `before`; stops reading once it has them", async () => {
    const dir = scratch();
    const written = writeTrail(dir, 200);
    assert.deepEqual(zonesOf((await latestEvents(dir, { limit: 3 })).events), ["z199", "z198", "z197"]);
    assert.deepEqual(zonesOf((await latestEvents(dir, { limit: 3, before: T0 + 50_000 })).events), ["z49", "z48", "z47"]);
    assert.deepEqual(zonesOf((await latestEvents(dir, { limit: 500, before: T0 + 2000 })).events), ["z1", "z0"]);
    assert.equal((await latestEvents(dir, { limit: 500 })).events.length, written.length);

    // The oldest "file" cannot be read (a directory under its name): a request for the latest few never opens it.
    mkdirSync(path.join(dir, "audit-2000-01-01T00-00-00.000Z.jsonl"));
    assert.deepEqual(zonesOf((await latestEvents(dir, { limit: 150 })).events).slice(-1), ["z50"]);
    await assert.rejects(latestEvents(dir, { limit: 500 }), (error: unknown) => {
      assert.ok(error instanceof AuditReadError);
      assert.equal(error.path, path.join(dir, "audit-2000-01-01T00-00-00.000Z.jsonl"));
      assert.equal(error.code, "EISDIR");
      return true;
    });
    assert.deepEqual(await latestEvents(path.join(dir, "nothing-here"), { limit: 10 }), { events: [], skipped: 0 });
  });

  it("a torn last line, a line that is no event and one holding a code are skipped and counted, numbered from the end when read newest first", async () => {
    const dir = scratch();
    writeTrail(dir, 3, 1024 * 1024);
    const file = path.join(dir, AUDIT_FILE);
    const lines = readFileSync(file, "utf8").split("\n");
    writeFileSync(
      file,
      [lines[0], "[1]", lines[1], JSON.stringify({ at: new Date(T0).toISOString(), kind: "disarm", code: "4711" }), lines[2]].join("\n") +
        "\n",
    );
    appendFileSync(file, '{"at":"2026-01-01T00:00:00.000Z","kind":"ar'); // the power went mid-append
    const latest = await latestEvents(dir, { limit: 10 });
    assert.deepEqual(zonesOf(latest.events), ["z2", "z1", "z0"]);
    assert.equal(latest.skipped, 3);
    const skipped = (await collect(streamAudit(dir, { newestFirst: true }))).flatMap((record) =>
      "skipped" in record ? [record.skipped] : [],
    );
    assert.deepEqual(skipped, [
      { file: AUDIT_FILE, line: 1, fromEnd: true, why: "torn or not JSON" },
      { file: AUDIT_FILE, line: 3, fromEnd: true, why: "a key named like a code: not shown" },
      { file: AUDIT_FILE, line: 5, fromEnd: true, why: "not an object" },
    ]);
    const forward = await readAudit(dir);
    assert.deepEqual(
      forward.skipped.map((line) => [line.line, line.why]),
      [
        [2, "not an object"],
        [4, "a key named like a code: not shown"],
        [6, "torn or not JSON"],
      ],
    );
  });

  it("a line longer than 256 KiB is skipped without being held whole, either way", async () => {
    const dir = scratch();
    writeTrail(dir, 2, 8 * 1024 * 1024);
    appendFileSync(path.join(dir, AUDIT_FILE), `${"x".repeat(600 * 1024)}\n`);
    writeTrail(dir, 1, 8 * 1024 * 1024);
    for (const newestFirst of [false, true]) {
      const records = await collect(streamAudit(dir, { newestFirst }));
      const whys = records.map((record) => ("event" in record ? record.event.zone : record.skipped.why));
      const expected = ["z0", "z1", "longer than 262144 bytes", "z0"];
      assert.deepEqual(whys, newestFirst ? expected.reverse() : expected);
    }
  });
});

const CODES: Record<string, NonNullable<CodeOwner>> = {
  "4711": { user: "anna", role: "admin", duress: false },
  "2580": { user: "ben", role: "user", duress: false },
};

/** The alarm service over a real audit trail in a scratch directory, as alarm-process wires it. */
function alarmOnDisk(rotateBytes = 1024) {
  const dir = scratch();
  const clock = new ManualClock(T0);
  const audit = openAudit(dir, { keepDays: 3650, rotateBytes, maxBytes: 1024 * 1024 * 1024 }, clock);
  const published: string[] = [];
  const service = new AlarmService(
    {
      config: alarmConfig({ exitDelayS: 10, entryDelayS: 10 }),
      heartbeatIntervalS: 5,
      clock,
      log: createLogger({ service: "alarm", format: "json", stream: { write: () => undefined } }),
      publish: (text) => (published.push(text), Promise.resolve()),
      save: () => undefined,
      audit: (event) => audit.append(event),
      history: (query) => latestEvents(dir, query),
      outputs: () => undefined,
      checkCode: (code) => Promise.resolve(CODES[code] ?? null),
    },
    initialState(),
  );
  service.start();
  const handlers = service.handlers();
  const call = async (command: string, args: Record<string, unknown>) => (await handlers[command]!(args)) as Record<string, unknown>;
  const refusal = async (command: string, args: Record<string, unknown>): Promise<RequestRefused> => {
    try {
      await call(command, args);
    } catch (error) {
      if (error instanceof RequestRefused) return error;
      throw error;
    }
    assert.fail(`${command} was not refused`);
  };
  after(() => {
    service.close();
    audit.close();
  });
  return { dir, clock, published, call, refusal };
}

describe("the alarm's history request", () => {
  it("answers the audit's latest events newest first, as ALARM: event carries them, across rotated files; limit and before page back", async () => {
    const alarm = alarmOnDisk();
    for (let i = 0; i < 20; i++) {
      await alarm.call("arm", { mode: "away", code: "4711", source: "cli" });
      alarm.clock.advance(100);
      await alarm.call("disarm", { code: "4711", source: "cli" });
      alarm.clock.advance(100);
    }
    assert.ok(readdirSync(alarm.dir).length >= 3, "rotated");
    const published = alarm.published
      .filter((text) => text.startsWith("ALARM: event "))
      .map((text) => JSON.parse(text.slice("ALARM: event ".length)) as Record<string, unknown>);

    const all = await alarm.call("history", { source: "dashboard", limit: 500 });
    assert.deepEqual(all, { events: [...published].reverse(), skipped: 0 });
    const page = await alarm.call("history", { source: "dashboard" });
    assert.equal((page.events as unknown[]).length, Math.min(100, published.length));
    const three = (await alarm.call("history", { source: "dashboard", limit: 3 })).events as Array<{ at: string; kind: string }>;
    assert.deepEqual(three, published.slice(-3).reverse());
    const older = (await alarm.call("history", { source: "dashboard", limit: 3, before: three[2]!.at })).events as Array<{ at: string }>;
    assert.ok(older.every((event) => event.at < three[2]!.at));
    assert.deepEqual(
      older,
      published
        .filter((event) => (event.at as string) < three[2]!.at)
        .slice(-3)
        .reverse(),
    );
    assert.doesNotMatch(JSON.stringify(all), /4711/, "no code, ever");
  });

  it("refuses malformed arguments as bad-request, naming them", async () => {
    const alarm = alarmOnDisk();
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{}, /"source"/],
      [{ source: "web" }, /"source"/],
      [{ source: "dashboard", limit: 0 }, /"limit" to be an integer from 1 to 500/],
      [{ source: "dashboard", limit: 501 }, /"limit"/],
      [{ source: "dashboard", limit: 2.5 }, /"limit"/],
      [{ source: "dashboard", limit: "10" }, /"limit"/],
      [{ source: "dashboard", before: "yesterday" }, /"before" to be an ISO time/],
      [{ source: "dashboard", before: 1_700_000_000_000 }, /"before"/],
      [{ source: "dashboard", before: "2026-13-45T00:00:00Z" }, /"before"/],
    ];
    for (const [args, message] of cases) {
      const refused = await alarm.refusal("history", args);
      assert.equal(refused.code, "bad-request", JSON.stringify(args));
      assert.match(refused.message, message);
    }
    assert.deepEqual(await alarm.call("history", { source: "dashboard", before: "2025-01-01T11:59:59.999Z" }), { events: [], skipped: 0 });
    const restart = await alarm.call("history", { source: "dashboard", before: "2025-01-01T13:00:01+01:00", limit: 1 });
    assert.deepEqual(restart, {
      events: [{ kind: "restart", at: "2025-01-01T12:00:00.000Z", source: "alarm", reason: "resumed disarmed" }],
      skipped: 0,
    });
  });

  it("via: recorded with every event a request causes (refusals and wrong codes too), in the audit and on the bus; a bad via is bad-request", async () => {
    const alarm = alarmOnDisk(1024 * 1024);
    await alarm.call("arm", { mode: "away", code: "4711", source: "dashboard", via: "web:anna" });
    await alarm.refusal("disarm", { code: "0000", source: "dashboard", via: "web:mallory" });
    await alarm.refusal("bypass", { code: "2580", zones: ["front"], source: "dashboard", via: "web:ben" });
    await alarm.call("disarm", { code: "4711", source: "keypad" });
    await alarm.call("panic", { source: "dashboard", via: "web:Zoë Ñ" });
    const audit = (await readAudit(alarm.dir)).events.filter((event) => event.kind !== "restart");
    assert.deepEqual(
      audit.map((event) => [event.kind, event.user ?? null, event.source, event.via ?? null]),
      [
        ["arm", "anna", "dashboard", "web:anna"],
        ["bad_code", null, "dashboard", "web:mallory"],
        ["refused", "ben", "dashboard", "web:ben"],
        ["disarm", "anna", "keypad", null],
        ["panic", null, "dashboard", "web:Zoë Ñ"],
      ],
    );
    const onBus = alarm.published.filter((text) => text.startsWith("ALARM: event ") && !text.includes('"restart"'));
    assert.deepEqual(
      onBus.map((text) => text.slice("ALARM: event ".length)),
      audit.map((event) => JSON.stringify(publicEvent(event))),
    );
    const history = (await alarm.call("history", { source: "dashboard", limit: 5 })).events as Array<{ via?: string }>;
    assert.deepEqual(
      history.map((event) => event.via ?? null),
      ["web:Zoë Ñ", null, "web:ben", "web:mallory", "web:anna"],
    );

    for (const via of ["", "x".repeat(65), "web:\u001b[31mred", "web:a\u202Eb", "line\nbreak", 42, null]) {
      const refused = await alarm.refusal("panic", { source: "dashboard", via });
      assert.equal(refused.code, "bad-request");
      assert.equal(refused.message, 'expected "via" to be a string of 1 to 64 printable characters');
    }
    assert.equal(requestArgs({ source: "dashboard", via: "x".repeat(64) }, {}).via, "x".repeat(64));
  });
});

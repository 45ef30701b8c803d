import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { encodeMessage, JournalWriter, listSegments } from "@roomguard/journal";
import { createLogger, ManualClock, type Logger } from "@roomguard/runtime";
import { backfillSensorHistory, BUCKETS, SensorHistory } from "../src/sensor-history.js";

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
/** A minute's start, so that times in the tests read as offsets. */
const T0 = Date.UTC(2026, 0, 1);

function logger(lines: Array<Record<string, unknown>> = []): Logger {
  return createLogger({
    service: "web",
    format: "json",
    stream: { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) },
  });
}

function scratch(): string {
  return mkdtempSync(path.join(tmpdir(), "roomguard-sensor-history-"));
}

describe("SensorHistory", () => {
  it("keeps one point a minute: the mean of its readings, at the minute's start", () => {
    const history = new SensorHistory();
    history.add("hall", { temperature_c: 20, humidity_pct: 40 }, T0 + 1000);
    history.add("hall", { temperature_c: 21 }, T0 + 59_999);
    history.add("hall", { temperature_c: 25 }, T0 + MINUTE_MS);
    history.add("hall", { temperature_c: 30 }, T0 + 3 * MINUTE_MS + 5);
    assert.deepEqual(history.points("hall", "temperature_c", T0 + 3 * MINUTE_MS), [
      [T0, 20.5],
      [T0 + MINUTE_MS, 25],
      [T0 + 3 * MINUTE_MS, 30],
    ]);
    assert.deepEqual(history.points("hall", "humidity_pct", T0 + 3 * MINUTE_MS), [[T0, 40]]);
    assert.deepEqual(history.points("hall", "pressure_hpa", T0), []);
    assert.deepEqual(history.points("attic", "temperature_c", T0), []);
    assert.deepEqual(history.quantities(), { hall: ["temperature_c", "humidity_pct"] });
  });

  it("holds the last 24 hours only, in a ring that wraps", () => {
    const history = new SensorHistory();
    // Two days and an hour, a reading a minute: the value is the minute's number.
    const minutes = 2 * BUCKETS + 60;
    for (let minute = 0; minute < minutes; minute++) history.add("hall", { t: minute }, T0 + minute * MINUTE_MS + 30_000);
    const now = T0 + (minutes - 1) * MINUTE_MS + 45_000;
    const points = history.points("hall", "t", now);
    assert.equal(points.length, BUCKETS);
    assert.deepEqual(points[0], [T0 + (minutes - BUCKETS) * MINUTE_MS, minutes - BUCKETS]);
    assert.deepEqual(points.at(-1), [T0 + (minutes - 1) * MINUTE_MS, minutes - 1]);
    // Asked an hour later, the first hour of that day has gone; minutes never written are no points.
    assert.equal(history.points("hall", "t", now + 60 * MINUTE_MS).length, BUCKETS - 60);
    // A reading older than what its slot holds now is a day late: not counted.
    history.add("hall", { t: -1000 }, T0 + (minutes - 1) * MINUTE_MS - DAY_MS);
    assert.deepEqual(history.points("hall", "t", now).at(-1), [T0 + (minutes - 1) * MINUTE_MS, minutes - 1]);
    // After a silence of more than a day, nothing is left to show.
    assert.deepEqual(history.points("hall", "t", now + DAY_MS + MINUTE_MS), []);
  });

  it("ignores what is not a finite number, and times no reading has", () => {
    const history = new SensorHistory();
    const garbage: Record<string, unknown> = {
      a: Number.NaN,
      b: Number.POSITIVE_INFINITY,
      c: "21.5",
      d: null,
      e: { value: 1 },
      f: [1],
      g: true,
      ok: 1.5,
    };
    history.add("hall", garbage, T0);
    for (const at of [Number.NaN, Number.POSITIVE_INFINITY, -MINUTE_MS, 1e18]) history.add("hall", { ok: 99 }, at);
    assert.deepEqual(history.quantities(), { hall: ["ok"] });
    assert.deepEqual(history.points("hall", "ok", T0), [[T0, 1.5]]);
  });

  it("refuses and counts series past its cap and names too long; forget makes room", () => {
    const history = new SensorHistory({ maxSeries: 4 });
    for (let i = 0; i < 10; i++) history.add(`s${i}`, { a: i }, T0);
    history.add("hall", { ["q".repeat(41)]: 1 }, T0);
    assert.deepEqual(history.stats, { series: 4, refused: 7 });
    history.add("s0", { a: 5 }, T0);
    assert.deepEqual(history.points("s0", "a", T0), [[T0, 2.5]], "a series it has still takes readings");
    history.forget("s0");
    history.forget("never-seen");
    history.add("x".repeat(65), { a: 1 }, T0);
    history.add("__proto__", { a: 1 }, T0);
    assert.equal(history.stats.series, 4);
    assert.deepEqual(Object.keys(history.quantities()), ["s1", "s2", "s3", "__proto__"]);
    assert.deepEqual(history.points("s0", "a", T0), []);
  });

  it("takes a flood at the same memory: 200,000 readings of one series grow nothing", () => {
    const history = new SensorHistory();
    for (let i = 0; i < 200_000; i++) history.add("hall", { temperature_c: 20 + (i % 3) }, T0 + i * 5);
    assert.deepEqual(history.stats, { series: 1, refused: 0 });
    const points = history.points("hall", "temperature_c", T0 + 200_000 * 5);
    assert.equal(points.length, Math.ceil((200_000 * 5) / MINUTE_MS));
    assert.ok(points.every(([, value]) => value > 20.9 && value < 21.1));
  });
});

describe("backfillSensorHistory", () => {
  it("reads the readings of the last day from the journal, skipping faults and malformed messages", async () => {
    const dir = scratch();
    const now = T0 + 2 * DAY_MS;
    const journal = await JournalWriter.open({
      dir,
      segmentBytes: 16 * 1024,
      maxBytes: 4 * 1024 * 1024,
      flushIntervalMs: DAY_MS,
      clock: new ManualClock(now),
    });
    const append = (text: string | Buffer, at: number): void => {
      journal.append(encodeMessage([typeof text === "string" ? Buffer.from(text) : text]), 1, at);
    };
    append(`SENSOR: hall {"temperature_c":5}`, now - DAY_MS - MINUTE_MS);
    for (let i = 0; i < 1000; i++) append(`HEARTBEAT: sensors {"pid":1,"uptime_s":${i}}`, now - DAY_MS - MINUTE_MS);
    append(`SENSOR: hall {"temperature_c":21,"humidity_pct":40,"label":"x"}`, now - 10 * MINUTE_MS);
    append(`SENSOR: hall {"temperature_c":22}`, now - 10 * MINUTE_MS + 1000);
    append(`SENSOR: hall fault {"code":"ENODEV","error":"no I2C device"}`, now - 9 * MINUTE_MS);
    append(`SENSOR: hall {not json`, now - 8 * MINUTE_MS);
    append(Buffer.from([0x53, 0x45, 0x4e, 0x53, 0x4f, 0x52, 0x3a, 0x20, 0xff, 0xfe]), now - 8 * MINUTE_MS);
    append(`SENSOR: {"temperature_c":1}`, now - 8 * MINUTE_MS);
    append(`SENSORS: hall {"temperature_c":99}`, now - 7 * MINUTE_MS);
    append(`SENSOR: attic {"temperature_c":15.5}`, now - 1000);
    append(`SENSOR: attic {"temperature_c":99}`, now + 1000);
    await journal.close();
    assert.ok((await listSegments(dir)).length > 2, "the old readings lie in segments of their own");

    const history = new SensorHistory();
    const lines: Array<Record<string, unknown>> = [];
    const result = await backfillSensorHistory(history, dir, now, logger(lines));
    assert.deepEqual(result, { readings: 3, faults: 1, malformed: 3, unreadable: 0 });
    assert.deepEqual(history.points("hall", "temperature_c", now), [[now - 10 * MINUTE_MS, 21.5]]);
    assert.deepEqual(history.points("hall", "humidity_pct", now), [[now - 10 * MINUTE_MS, 40]]);
    assert.deepEqual(history.points("attic", "temperature_c", now), [[now - MINUTE_MS, 15.5]]);
    assert.deepEqual(history.quantities(), { hall: ["temperature_c", "humidity_pct"], attic: ["temperature_c"] });
    assert.ok(lines.some((line) => line.msg === "sensor history filled from the journal" && line.readings === 3));
  });

  it("starts empty without a journal, and says so at info", async () => {
    const history = new SensorHistory();
    const lines: Array<Record<string, unknown>> = [];
    const result = await backfillSensorHistory(history, path.join(scratch(), "no-journal"), T0, logger(lines));
    assert.deepEqual(result, { readings: 0, faults: 0, malformed: 0, unreadable: 0 });
    assert.deepEqual(history.quantities(), {});
    assert.equal(lines.length, 1);
    assert.equal(lines[0]?.level, "info");
  });

  it("backfills a day of 200,000 readings (the figure is printed)", async () => {
    const dir = scratch();
    const now = T0 + 2 * DAY_MS;
    const journal = await JournalWriter.open({
      dir,
      segmentBytes: 256 * 1024,
      maxBytes: 64 * 1024 * 1024,
      flushIntervalMs: DAY_MS,
      clock: new ManualClock(now),
    });
    // A day before the window too: 10,000 readings the backfill must not read. (How long a
    // bigger journal takes is a benchmark's figure, not this test's.)
    const count = 20_000;
    const stepMs = DAY_MS / count;
    const sensors = ["hall", "attic", "garage", "cellar"];
    for (let i = 0; i < count + 10_000; i++) {
      const at = now - DAY_MS - 10_000 * stepMs + i * stepMs;
      const text = `SENSOR: ${sensors[i % 4] ?? ""} {"temperature_c":${(20 + (i % 50) / 10).toFixed(1)},"humidity_pct":${40 + (i % 7)},"pressure_hpa":1013.25}`;
      journal.append(encodeMessage([Buffer.from(text)]), 1, at);
      if (i % 2_000 === 1_999) await journal.flush();
    }
    await journal.close();
    const segments = await listSegments(dir);
    const history = new SensorHistory();
    const started = process.hrtime.bigint();
    const result = await backfillSensorHistory(history, dir, now, logger());
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    assert.equal(result.readings, count);
    assert.equal(history.stats.series, 12);
    // Every minute of the day but the one `now` begins, which has had no reading yet.
    assert.equal(history.points("hall", "temperature_c", now).length, BUCKETS - 1);
    console.log(`backfill: ${result.readings} readings from ${segments.length} segments in ${ms.toFixed(0)} ms`);
  });
});

import { stat } from "node:fs/promises";
import { parseMessage, sensorSignal, Topic } from "@roomguard/bus";
import { readJournal, type ReadProblem } from "@roomguard/journal";
import type { Logger } from "@roomguard/runtime";

/** The history covers this long: a day. */
export const HISTORY_MS = 24 * 3_600_000;
/** One point per minute. */
export const BUCKET_MS = 60_000;
/** Points a series holds: a day of minutes. */
export const BUCKETS = HISTORY_MS / BUCKET_MS;
/** Series kept at most (sensor × quantity), unless the options say otherwise: bus input is untrusted. */
export const DEFAULT_MAX_SERIES = 256;
/** Longest sensor id and quantity name kept; longer ones are refused. */
export const MAX_SENSOR_CHARS = 64;
export const MAX_QUANTITY_CHARS = 40;

export interface SensorHistoryOptions {
  /** Series (sensor × quantity) kept at most; readings of new ones past it are refused and counted. Default 256. */
  maxSeries?: number;
}

/** A slot's minute when it holds none (minutes since the epoch fit an Int32Array until the year 6053). */
const EMPTY = -(2 ** 31);

/** A day of one quantity of one sensor: a ring of one bucket per minute. */
interface Series {
  /** The minute (since the epoch) each slot holds now (EMPTY: none); a slot whose minute is not the one asked for is empty. */
  minutes: Int32Array;
  sums: Float64Array;
  counts: Uint32Array;
}

/**
 * The sensors' readings of the last 24 hours, one point per minute (the mean of that minute's
 * readings, at the minute's start), for the dashboard's `history` command. Each series is a fixed
 * ring of 1,440 minutes, so memory is bounded by series × 1,440 × 16 bytes (256 series: 5.9 MB)
 * however fast readings come, and adding one costs the same at any rate.
 */
export class SensorHistory {
  private readonly sensors = new Map<string, Map<string, Series>>();
  private readonly maxSeries: number;
  private seriesCount = 0;
  private refusedCount = 0;

  constructor(options: SensorHistoryOptions = {}) {
    this.maxSeries = options.maxSeries ?? DEFAULT_MAX_SERIES;
  }

  /**
   * Adds a reading taken at `atMs` (ms since the epoch) to its minute. Fields that are not finite
   * numbers are ignored; so is a reading older than what its minute's slot holds (a day or more). A new series past maxSeries, or with a name too long, is refused and counted.
   */
  add(sensor: string, reading: Readonly<Record<string, unknown>>, atMs: number): void {
    const minute = Math.floor(atMs / BUCKET_MS);
    // (Also false for NaN.) Times before 1970 or past what a slot's Int32 holds are no reading's.
    if (!(minute >= 0 && minute < 2 ** 31)) return;
    const slot = minute % BUCKETS;
    for (const quantity in reading) {
      const value = reading[quantity];
      if (typeof value !== "number" || !Number.isFinite(value)) continue;
      const series = this.series(sensor, quantity);
      if (!series) continue;
      const held = series.minutes[slot] as number;
      if (held === minute) {
        (series.sums[slot] as number) += value;
        (series.counts[slot] as number)++;
      } else if (held < minute) {
        series.minutes[slot] = minute;
        series.sums[slot] = value;
        series.counts[slot] = 1;
      }
    }
  }

  /** `[minute start (epoch ms), mean]` of the last 24 h before `nowMs`, oldest first; empty for an unknown series. */
  points(sensor: string, quantity: string, nowMs: number): Array<[number, number]> {
    const series = this.sensors.get(sensor)?.get(quantity);
    if (!series) return [];
    const newest = Math.floor(nowMs / BUCKET_MS);
    const points: Array<[number, number]> = [];
    for (let minute = newest - BUCKETS + 1; minute <= newest; minute++) {
      const slot = ((minute % BUCKETS) + BUCKETS) % BUCKETS;
      if (series.minutes[slot] === minute)
        points.push([minute * BUCKET_MS, (series.sums[slot] as number) / (series.counts[slot] as number)]);
    }
    return points;
  }

  /** The quantities of each sensor with history (sensor → quantity names). */
  quantities(): Record<string, string[]> {
    // fromEntries defines properties: a sensor named __proto__ stays a sensor.
    return Object.fromEntries([...this.sensors].map(([sensor, series]) => [sensor, [...series.keys()]]));
  }

  /** Drops a sensor's history (a sensor gone from the config). */
  forget(sensor: string): void {
    const series = this.sensors.get(sensor);
    if (!series) return;
    this.seriesCount -= series.size;
    this.sensors.delete(sensor);
  }

  /** Series held, and readings of series refused (past maxSeries, or names too long). */
  get stats(): { series: number; refused: number } {
    return { series: this.seriesCount, refused: this.refusedCount };
  }

  private series(sensor: string, quantity: string): Series | undefined {
    let bySensor = this.sensors.get(sensor);
    const found = bySensor?.get(quantity);
    if (found) return found;
    if (this.seriesCount >= this.maxSeries || sensor.length > MAX_SENSOR_CHARS || quantity.length > MAX_QUANTITY_CHARS) {
      this.refusedCount++;
      return undefined;
    }
    const series: Series = {
      minutes: new Int32Array(BUCKETS).fill(EMPTY),
      sums: new Float64Array(BUCKETS),
      counts: new Uint32Array(BUCKETS),
    };
    if (!bySensor) {
      bySensor = new Map();
      this.sensors.set(sensor, bySensor);
    }
    bySensor.set(quantity, series);
    this.seriesCount++;
    return series;
  }
}

/** What a backfill read. */
export interface BackfillResult {
  /** Readings added. */
  readings: number;
  /** Fault messages (`SENSOR: <id> fault {…}`), skipped. */
  faults: number;
  /** `SENSOR:` messages that are no reading or fault (bad JSON, no id, not UTF-8), skipped. */
  malformed: number;
  /** Journal files that could not be read (skipped). */
  unreadable: number;
}

const SENSOR_PREFIX = Buffer.from(`${Topic.SENSOR}:`);

/**
 * Fills `history` with the `SENSOR: <id> {…}` readings the journal holds from the day before
 * `nowMs` up to it, so that the dashboard's charts are whole after a restart. Pass as `nowMs`
 * the time live readings began to be added, so that none is counted twice. Reads only the
 * journal's segments of the last day (readJournal's sinceMs). Never throws: a missing journal
 * leaves the history empty (logged at info), an unreadable one is logged as a warning.
 */
export async function backfillSensorHistory(
  history: SensorHistory,
  journalDir: string,
  nowMs: number,
  log: Logger,
): Promise<BackfillResult> {
  const result: BackfillResult = { readings: 0, faults: 0, malformed: 0, unreadable: 0 };
  const exists = await stat(journalDir).then(
    () => true,
    (error: NodeJS.ErrnoException) => error.code !== "ENOENT",
  );
  if (!exists) {
    log.info("no journal to fill the sensor history from: it starts empty", { dir: journalDir });
    return result;
  }
  const onProblem = (problem: ReadProblem): void => {
    result.unreadable++;
    log.warn("a journal file could not be read for the sensor history (skipped)", { file: problem.file, problem: problem.message });
  };
  try {
    for await (const record of readJournal(journalDir, { sinceMs: nowMs - HISTORY_MS, onProblem })) {
      const frame = record.frames[0];
      // Most of the journal is other topics: they are told by their first bytes, not decoded.
      if (record.timeMs > nowMs || record.frames.length !== 1 || !frame || !startsWith(frame, SENSOR_PREFIX)) continue;
      const parsed = parseMessage(frame);
      const signal = parsed.ok ? sensorSignal(parsed.message) : null;
      if (signal?.kind === "reading") {
        history.add(signal.sensor, signal.values, record.timeMs);
        result.readings++;
      } else if (signal?.kind === "fault") result.faults++;
      else result.malformed++;
    }
  } catch (error) {
    log.warn("cannot read the journal for the sensor history: it holds what was read so far", { dir: journalDir, error });
  }
  log.info("sensor history filled from the journal", { ...result, series: history.stats.series });
  return result;
}

function startsWith(bytes: Buffer, prefix: Buffer): boolean {
  return bytes.length >= prefix.length && bytes.compare(prefix, 0, prefix.length, 0, prefix.length) === 0;
}

/**
 * Locale formatting for the page: numbers, times, durations and sensor units, all through Intl
 * so a reader sees their own conventions. Pure (no DOM): `locale` undefined is the browser's.
 */

const numberFormats = new Map<string, Intl.NumberFormat>();

function numberFormat(locale: string | undefined, options: Intl.NumberFormatOptions): Intl.NumberFormat {
  const key = `${locale ?? ""}|${JSON.stringify(options)}`;
  let format = numberFormats.get(key);
  if (format === undefined) numberFormats.set(key, (format = new Intl.NumberFormat(locale, options)));
  return format;
}

/** A sensor quantity's label and unit, from its suffix: `temperature_c` → temperature, °C. */
export interface QuantityUnit {
  label: string;
  /** "" when the suffix is not one we know: the raw name is the label then. */
  unit: string;
}

const SUFFIX_UNITS: Record<string, string> = {
  c: "°C",
  f: "°F",
  pct: "%",
  hpa: "hPa",
  pa: "Pa",
  lux: "lx",
  ppm: "ppm",
  v: "V",
  ma: "mA",
  m: "m",
  cm: "cm",
  s: "s",
};

export function quantityUnit(quantity: string): QuantityUnit {
  const at = quantity.lastIndexOf("_");
  const unit = at > 0 ? SUFFIX_UNITS[quantity.slice(at + 1).toLowerCase()] : undefined;
  if (unit === undefined) return { label: quantity, unit: "" };
  return { label: quantity.slice(0, at).replaceAll("_", " "), unit };
}

/** A number with at most `maxFractionDigits` decimals, grouped as the locale groups. */
export function formatNumber(value: number, locale?: string, maxFractionDigits = 1): string {
  return numberFormat(locale, { maximumFractionDigits: maxFractionDigits }).format(value);
}

/** A reading with its unit: `21.4 °C`, `45 %` (the % spaced as the locale spaces it is not worth the trouble). */
export function formatReading(quantity: string, value: number, locale?: string): string {
  const { unit } = quantityUnit(quantity);
  const text = formatNumber(value, locale, Math.abs(value) >= 100 ? 0 : 1);
  return unit === "" ? text : `${text} ${unit}`;
}

/** Bytes as megabytes (memory of a service): `48.2 MB`. */
export function formatMegabytes(bytes: number, locale?: string): string {
  return numberFormat(locale, { style: "unit", unit: "megabyte", unitDisplay: "short", maximumFractionDigits: 1 }).format(bytes / 1e6);
}

const UNITS_DHMS = [
  ["day", 86_400],
  ["hour", 3_600],
  ["minute", 60],
  ["second", 1],
] as const;

/** A duration in seconds as its two largest units, narrow: `2d 3h`, `5m 12s`, `42s`. */
export function formatDuration(seconds: number, locale?: string): string {
  let rest = Math.max(0, Math.floor(seconds));
  const parts: string[] = [];
  for (const [unit, size] of UNITS_DHMS) {
    const count = Math.floor(rest / size);
    rest -= count * size;
    if (count > 0 || (unit === "second" && parts.length === 0))
      parts.push(numberFormat(locale, { style: "unit", unit, unitDisplay: "narrow" }).format(count));
    if (parts.length === 2) break;
    if (parts.length === 1 && count === 0) break;
  }
  return parts.join(" ");
}

/** A countdown or a track position: `m:ss`, or `h:mm:ss` from an hour. */
export function formatClock(seconds: number, locale?: string): string {
  const total = Math.max(0, Math.floor(seconds));
  const two = numberFormat(locale, { minimumIntegerDigits: 2, useGrouping: false });
  const one = numberFormat(locale, { useGrouping: false });
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return h > 0 ? `${one.format(h)}:${two.format(m)}:${two.format(s)}` : `${one.format(m)}:${two.format(s)}`;
}

const dateFormats = new Map<string, Intl.DateTimeFormat>();

function dateFormat(locale: string | undefined, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${locale ?? ""}|${JSON.stringify(options)}`;
  let format = dateFormats.get(key);
  if (format === undefined) dateFormats.set(key, (format = new Intl.DateTimeFormat(locale, options)));
  return format;
}

/** A time of day (`14:05:09`, `2:05:09 PM`). */
export function formatTime(epochMs: number, locale?: string, timeZone?: string): string {
  return dateFormat(locale, { timeStyle: "medium", timeZone }).format(epochMs);
}

/** A date and time, short (`02/12/2025, 14:05:09`). */
export function formatDateTime(epochMs: number, locale?: string, timeZone?: string): string {
  return dateFormat(locale, { dateStyle: "short", timeStyle: "medium", timeZone }).format(epochMs);
}

/** The time alone when `epochMs` is on `nowMs`'s day, else the date and time. */
export function formatWhen(epochMs: number, nowMs: number, locale?: string, timeZone?: string): string {
  const day = dateFormat(locale, { dateStyle: "short", timeZone });
  return day.format(epochMs) === day.format(nowMs) ? formatTime(epochMs, locale, timeZone) : formatDateTime(epochMs, locale, timeZone);
}

const relativeFormats = new Map<string, Intl.RelativeTimeFormat>();

/** How long ago (negative `deltaMs`) or ahead: `5 minutes ago`, `in 30 seconds`, `now`. */
export function formatRelative(deltaMs: number, locale?: string): string {
  const key = locale ?? "";
  let format = relativeFormats.get(key);
  if (format === undefined) relativeFormats.set(key, (format = new Intl.RelativeTimeFormat(locale, { numeric: "auto" })));
  const seconds = Math.round(deltaMs / 1000);
  const size = Math.abs(seconds);
  if (size < 60) return format.format(seconds, "second");
  if (size < 3600) return format.format(Math.round(seconds / 60), "minute");
  if (size < 86_400) return format.format(Math.round(seconds / 3600), "hour");
  return format.format(Math.round(seconds / 86_400), "day");
}

/** An alarm state's words: `armed_away` → `armed away`. */
export function stateWords(state: string): string {
  return state.replaceAll("_", " ");
}

/**
 * The epoch ms a `datetime-local` input's value means in the browser's time zone, or undefined
 * for an empty or invalid value.
 */
export function localInputToEpochMs(value: string): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(value)) return undefined;
  const ms = new Date(value).getTime();
  return Number.isNaN(ms) ? undefined : ms;
}

import { GatewayError } from '../core/errors.ts';
import type { TimeBucket } from './report-dimensions.ts';

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

const MONTH = /^(\d{4})-(\d{2})$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
/** A date-time must say its zone (Z or an offset): a report's bounds never depend on the server's zone. */
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * An instant from `2026-11` (start of the month, UTC), `2026-11-05` (start of the day, UTC), a date-time
 * with a zone (`2026-11-05T10:00:00Z`), or milliseconds since the epoch.
 */
export function parseInstant(value: string, param: string): number {
  const text = value.trim();
  let time = Number.NaN;
  const month = MONTH.exec(text);
  const date = DATE.exec(text);
  if (/^\d{10,}$/.test(text)) time = Number(text);
  else if (month) time = utc(Number(month[1]), Number(month[2]), 1);
  else if (date) time = utc(Number(date[1]), Number(date[2]), Number(date[3]));
  else if (DATE_TIME.test(text)) time = Date.parse(text);
  if (!Number.isSafeInteger(time)) {
    throw new GatewayError(
      'invalid_request',
      `${param}: expected a month (2026-11), a date (2026-11-05), a date-time with a zone (2026-11-05T10:00:00Z) or epoch milliseconds, got "${value}"`,
      { param, retryable: false },
    );
  }
  return time;
}

/** `[from, to)` of a calendar month written `YYYY-MM` (UTC). */
export function monthRange(month: string, param = 'month'): { from: number; to: number } {
  const match = MONTH.exec(month.trim());
  const from = match ? utc(Number(match[1]), Number(match[2]), 1) : Number.NaN;
  if (!match || !Number.isSafeInteger(from)) {
    throw new GatewayError('invalid_request', `${param}: expected a month such as 2026-11, got "${month}"`, {
      param,
      retryable: false,
    });
  }
  return { from, to: addMonths(from, 1) };
}

/** Checks that a range is ordered; both ends are optional. */
export function checkRange(from: number | undefined, to: number | undefined): void {
  if (from !== undefined && to !== undefined && to <= from) {
    throw new GatewayError('invalid_request', 'to: must be after from (the range is [from, to))', {
      param: 'to',
      retryable: false,
    });
  }
}

export function startOfMonth(time: number): number {
  const date = new Date(time);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
}

export function addMonths(time: number, months: number): number {
  const date = new Date(time);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + months, 1);
}

export function floorTo(time: number, unit: number): number {
  return Math.floor(time / unit) * unit;
}

export function ceilTo(time: number, unit: number): number {
  return Math.ceil(time / unit) * unit;
}

/** `YYYY-MM-DDTHH:mm:ssZ`: ISO 8601 in UTC, to the second. */
export function isoSeconds(time: number): string {
  return `${new Date(time).toISOString().slice(0, 19)}Z`;
}

/** How a bucket is shown: `2026-11-05T10:00:00Z`, `2026-11-05` or `2026-11`. */
export function bucketLabel(bucket: TimeBucket, start: number): string {
  const iso = new Date(start).toISOString();
  if (bucket === 'hour') return `${iso.slice(0, 19)}Z`;
  if (bucket === 'day') return iso.slice(0, 10);
  return iso.slice(0, 7);
}

function utc(year: number, month: number, day: number): number {
  if (month < 1 || month > 12 || day < 1 || day > 31) return Number.NaN;
  const time = Date.UTC(year, month - 1, day);
  // Date.UTC rolls 2026-02-31 over into March; a date that does not exist is an error.
  return new Date(time).getUTCDate() === day ? time : Number.NaN;
}

/**
 * A report's range from optional text bounds: with neither, the current calendar month (UTC); with
 * only `to`, everything before it; with only `from`, everything since.
 */
export function rangeFrom(
  from: string | undefined,
  to: string | undefined,
  now: number,
): { from: number | undefined; to: number | undefined } {
  if (from === undefined && to === undefined) {
    const month = startOfMonth(now);
    return { from: month, to: addMonths(month, 1) };
  }
  return {
    from: from === undefined ? undefined : parseInstant(from, 'from'),
    to: to === undefined ? undefined : parseInstant(to, 'to'),
  };
}

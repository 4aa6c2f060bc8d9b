import { ValidationError } from '../../common/errors';

/**
 * Event time as whole microseconds since the Unix epoch. Microseconds are PostgreSQL's timestamptz
 * resolution: time read back from the store orders and subtracts exactly as it was written, which a
 * JavaScript Date (milliseconds) would not. Integers below 2^53 µs (year 2255) are exact in a number.
 */
export type Micros = number;

const RFC3339 = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Parses an RFC 3339 timestamp with an offset into {@link Micros}. The offset is applied, so
 * `2026-03-29T01:59:00+01:00` and `2026-03-29T03:01:00+02:00` (either side of a DST change) are two
 * minutes apart. Digits beyond the microsecond are rounded, as PostgreSQL does when it stores them.
 */
export function parseEventTime(text: string): Micros {
  const match = RFC3339.exec(text.toUpperCase());
  const wholeSecondsMs = match ? Date.parse(`${match[1]}${match[3]}`) : NaN;
  if (!match || Number.isNaN(wholeSecondsMs)) {
    throw new ValidationError(`"${text}" is not an RFC 3339 timestamp with an offset, e.g. 2026-11-26T10:15:00.123456+01:00`);
  }
  const fraction = match[2] ?? '';
  const micros = fraction.length <= 6 ? Number(fraction.padEnd(6, '0')) : Math.round(Number(`0.${fraction}`) * 1e6);
  return wholeSecondsMs * 1000 + micros;
}

/**
 * Formats {@link Micros} as RFC 3339 in UTC: milliseconds like `Date.toISOString()`, or microseconds
 * when the time has any (`2026-11-26T10:15:00.123456Z`). PostgreSQL reads both forms exactly.
 */
export function formatEventTime(micros: Micros): string {
  const ms = Math.floor(micros / 1000);
  const rest = micros - ms * 1000;
  const iso = new Date(ms).toISOString();
  return rest === 0 ? iso : `${iso.slice(0, -1)}${String(rest).padStart(3, '0')}Z`;
}

/** Seconds between two instants, exact to the microsecond. */
export function secondsBetween(from: Micros, to: Micros): number {
  return (to - from) / 1e6;
}

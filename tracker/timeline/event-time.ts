import { ValidationError } from '../../common';
import { occurredAtMicros } from '../../events';

/**
 * Event time as whole microseconds since the Unix epoch. Microseconds are PostgreSQL's timestamptz
 * resolution: time read back from the store orders and subtracts exactly as it was written, which a
 * JavaScript Date (milliseconds) would not. Integers below 2^53 µs (year 2255) are exact in a number;
 * the contract's occurred_at range (LIMITS.occurredAtFrom, LIMITS.occurredAtBefore) keeps events there.
 */
export type Micros = number;

/**
 * Parses an RFC 3339 timestamp with an offset into {@link Micros}. The offset is applied, so
 * `2026-03-29T01:59:00+01:00` and `2026-03-29T03:01:00+02:00` (either side of a DST change) are two
 * minutes apart. Digits beyond the microsecond are rounded as PostgreSQL rounds them when it stores
 * them (half to even), so this is the instant the store holds (see `occurredAtMicros` in events/).
 */
export function parseEventTime(text: string): Micros {
  const micros = occurredAtMicros(text);
  if (Number.isNaN(micros)) {
    throw new ValidationError(`"${text}" is not an RFC 3339 timestamp with an offset, e.g. 2026-11-26T10:15:00.123456+01:00`);
  }
  return micros;
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

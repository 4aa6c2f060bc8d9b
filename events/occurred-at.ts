/**
 * occurred_at as PostgreSQL stores it: whole microseconds since the Unix epoch. The one place where an
 * RFC 3339 timestamp becomes microseconds, so that the contract's range check, the tracker's own
 * parsing (tracker/timeline `parseEventTime`) and the store agree to the microsecond.
 */

const RFC3339 = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|([+-])(\d{2}):(\d{2}))$/;

/**
 * The microseconds since the epoch of an RFC 3339 timestamp with an offset (`T` and `Z` in either
 * case), or NaN when it is not one. The offset is applied. Digits beyond the microsecond are rounded
 * exactly as PostgreSQL (and PGlite, the same code) rounds them when it stores a timestamptz: the
 * fraction is read as a double (strtod), multiplied by 10^6 and rounded half to even (rint). Reading
 * the fraction the same way in JavaScript (Number is also correctly rounded) gives the same double, so
 * both sides land on the same microsecond, ties included (`.0000005` is 0 µs, `.0000015` is 2 µs).
 */
export function occurredAtMicros(text: string): number {
  return readTimestamp(text)?.micros ?? NaN;
}

/** An RFC 3339 timestamp as {@link readTimestamp} reads it. */
export interface Timestamp {
  /** Microseconds since the epoch, the offset applied (see {@link occurredAtMicros}). */
  readonly micros: number;
  /** Minutes east of UTC; Z is 0. */
  readonly offsetMinutes: number;
}

/**
 * Both readings of an RFC 3339 timestamp from one match, for the contract's checks of every event:
 * its instant (see {@link occurredAtMicros}) and its offset in minutes east of UTC (Z is 0);
 * undefined when the text is not one. The instant is NaN where Date.parse refuses the date
 * (month 13; it takes 2026-02-30 as March 2nd, which the contract's format refuses).
 */
export function readTimestamp(text: string): Timestamp | undefined {
  const match = RFC3339.exec(text.toUpperCase());
  if (!match) return undefined;
  const offset = match[3] === 'Z' ? 0 : (match[4] === '-' ? -1 : 1) * (Number(match[5]) * 60 + Number(match[6]));
  // NaN where Date.parse refuses the date, and so is the sum below.
  const wholeSecondsMs = Date.parse(`${match[1]}${match[3]}`);
  const fraction = match[2] ?? '';
  const micros = fraction.length <= 6 ? Number(fraction.padEnd(6, '0')) : roundHalfEven(Number(`0.${fraction}`) * 1e6);
  return { micros: wholeSecondsMs * 1000 + micros, offsetMinutes: offset };
}

/** C's rint() in the default rounding mode: to the nearest integer, ties to even. For x >= 0. */
function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const rest = x - floor; // exact: the fraction of a double is a double
  if (rest !== 0.5) return rest < 0.5 ? floor : floor + 1;
  return floor % 2 === 0 ? floor : floor + 1;
}

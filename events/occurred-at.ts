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
  const utc = commonUtcMicros(text);
  if (utc !== undefined) return { micros: utc, offsetMinutes: 0 };
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

const DIGIT_0 = 48;
/** Where the digits of `2026-11-26T10:15:00…` are. */
const DIGITS_AT = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18];
/** Where its separators are, and their character codes: - - T : : */
const SEPARATORS_AT = [4, 7, 10, 13, 16];
const SEPARATOR_CODES = [45, 45, 84, 58, 58];
/** 10 ** n for the microseconds of one to six fraction digits: V8 computes `10 ** n` of a variable n as a float power, 60 ns an event. */
const POWERS_OF_TEN = [1, 10, 100, 1_000, 10_000, 100_000];

/**
 * The microseconds of occurred_at in the form nearly every producer sends (`toISOString()`'s):
 * `2026-11-26T10:15:00Z`, with up to six fraction digits, a year from 1000, a day up to the 28th
 * (a day of every month) and the time in its ranges; undefined for any other text, which the full
 * reading then decides. Read digit by digit: the schema's pattern, the upper-casing, the reading's
 * own pattern and `Date.parse` cost about 0.4 µs an event, a third of the contract check, on every
 * event the collector takes in and every event a tracker reads from the bus.
 *
 * Every text it reads also keeps the contract's format (zod's datetime pattern: upper-case T and Z,
 * every date of that range exists), which is why the plain reading of an event may skip that pattern
 * for it. The test holds both claims to the full reading and to zod's pattern.
 */
export function commonUtcMicros(text: string): number | undefined {
  const length = text.length;
  if (length < 20 || length > 27 || text.charCodeAt(length - 1) !== 90 /* Z */) return undefined;
  for (let i = 0; i < SEPARATORS_AT.length; i++) if (text.charCodeAt(SEPARATORS_AT[i]!) !== SEPARATOR_CODES[i]) return undefined;
  for (let i = 0; i < DIGITS_AT.length; i++) {
    const digit = text.charCodeAt(DIGITS_AT[i]!) - DIGIT_0;
    if (digit < 0 || digit > 9) return undefined;
  }
  const year = number(text, 0, 4);
  const month = number(text, 5, 2);
  const day = number(text, 8, 2);
  const hour = number(text, 11, 2);
  const minute = number(text, 14, 2);
  const second = number(text, 17, 2);
  if (year < 1000 || month < 1 || month > 12 || day < 1 || day > 28 || hour > 23 || minute > 59 || second > 59) return undefined;
  let micros = 0;
  if (length > 20) {
    // `.` and one to six digits before the Z.
    if (text.charCodeAt(19) !== 46 /* . */ || length === 21) return undefined;
    for (let at = 20; at < length - 1; at++) {
      const digit = text.charCodeAt(at) - DIGIT_0;
      if (digit < 0 || digit > 9) return undefined;
    }
    micros = number(text, 20, length - 21) * POWERS_OF_TEN[27 - length]!;
  }
  return Date.UTC(year, month - 1, day, hour, minute, second) * 1000 + micros;
}

/** The decimal number of `count` digits at `at` (checked to be digits). */
function number(text: string, at: number, count: number): number {
  let value = 0;
  for (let i = at; i < at + count; i++) value = value * 10 + (text.charCodeAt(i) - DIGIT_0);
  return value;
}

import { formatEventTime, type Micros } from '../timeline';

/**
 * A timestamptz column read as whole microseconds (float8, exact below 2^53): both drivers would
 * otherwise turn it into a JavaScript Date and drop the microseconds. `column` is always a literal
 * of our own SQL, never input.
 */
export function micros(column: string): string {
  return `(extract(epoch from ${column}) * 1000000)::float8`;
}

/**
 * A timestamptz from whole microseconds since the epoch: `expr` is a float8 of our own SQL (a column
 * of an unnest, never input), exact below 2^53 as {@link Micros} are; PostgreSQL converts it with
 * integer arithmetic (an interval of 1 µs times an integer). The write path of every batch sends its
 * times so, as numbers, instead of RFC 3339 text that the tracker would format and PostgreSQL parse
 * for every row: the formatting alone took 3.5 % of the tracker's CPU (issue 18).
 */
export function fromMicros(expr: string): string {
  return `('epoch'::timestamptz + (${expr}) * interval '1 microsecond')`;
}

/** A {@link Micros} as a timestamptz parameter (RFC 3339 text, exact to the microsecond). */
export function timestampParam(value: Micros): string;
export function timestampParam(value: Micros | null): string | null;
export function timestampParam(value: Micros | null): string | null {
  return value === null ? null : formatEventTime(value);
}

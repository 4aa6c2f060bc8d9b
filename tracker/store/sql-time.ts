import { formatEventTime, type Micros } from '../timeline';

/**
 * A timestamptz column read as whole microseconds (float8, exact below 2^53): both drivers would
 * otherwise turn it into a JavaScript Date and drop the microseconds. `column` is always a literal
 * of our own SQL, never input.
 */
export function micros(column: string): string {
  return `(extract(epoch from ${column}) * 1000000)::float8`;
}

/** A {@link Micros} as a timestamptz parameter (RFC 3339 text, exact to the microsecond). */
export function timestampParam(value: Micros): string;
export function timestampParam(value: Micros | null): string | null;
export function timestampParam(value: Micros | null): string | null {
  return value === null ? null : formatEventTime(value);
}

import { ValidationError } from '../../common';
import { LIMITS, OCCURRED_AT_BEFORE, OCCURRED_AT_FROM } from '../../events';
import { formatEventTime, parseEventTime, type Micros } from '../timeline';

/** A report period: [from, to), in microseconds since the epoch. */
export interface Period {
  readonly from: Micros;
  readonly to: Micros;
}

const DAY_MICROS = 86_400_000_000;
/** The period when neither end is given, and the length assumed when only one is. */
export const DEFAULT_PERIOD_DAYS = 7;
/**
 * The longest period one report covers: a year, leap day included. What a report costs grows with its
 * period (the daily trend has a row per day), so an unbounded one would let one request build a body
 * of any size; a longer view is several reports.
 */
export const MAX_PERIOD_DAYS = 366;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * Reads a report period from `from` and `to`, each an RFC 3339 time with an offset
 * (`2026-11-23T08:00:00+01:00`) or a date (`2026-11-23`, a UTC day). A date as `to` includes that whole
 * day, so `from=2026-11-23&to=2026-11-29` is the week from Monday to Sunday. Defaults: `to` is now,
 * `from` is 7 days before `to`. Both ends lie within the times order events can have (the contract's
 * occurred_at range, 1900 to 2150), and the period is at most {@link MAX_PERIOD_DAYS} long, also when
 * `to` is left to default to now.
 *
 * @throws ValidationError naming the parameter and what to write instead
 */
export function parsePeriod(input: { readonly from?: string | undefined; readonly to?: string | undefined }, now: Micros): Period {
  // from first: with both wrong, the message is about the one a reader reads first.
  const givenFrom = input.from === undefined ? undefined : parseBound('from', input.from);
  const to = input.to === undefined ? now : parseBound('to', input.to);
  const from = givenFrom ?? to - DEFAULT_PERIOD_DAYS * DAY_MICROS;
  if (from >= to) {
    throw new ValidationError(`from (${formatEventTime(from)}) must be before to (${formatEventTime(to)}); a date as "to" includes that whole day`);
  }
  const days = (to - from) / DAY_MICROS;
  if (days > MAX_PERIOD_DAYS) {
    // Rounding could make 366.001 days read "366 days", which would not explain the refusal.
    const shown = Math.round(days * 100) / 100;
    const length = shown > MAX_PERIOD_DAYS ? `${shown} days` : `more than ${MAX_PERIOD_DAYS} days`;
    const toNow = input.to === undefined ? ' (now: to was not given)' : '';
    throw new ValidationError(`the period from ${formatEventTime(from)} to ${formatEventTime(to)}${toNow} is ${length}; a report covers at most ${MAX_PERIOD_DAYS} days: narrow from and to`);
  }
  return { from, to };
}

/** One end of a period, within the contract's occurred_at range (which also keeps it a year of 4 digits). */
function parseBound(name: 'from' | 'to', text: string): Micros {
  const at = readBound(name, text);
  if (!(at >= OCCURRED_AT_FROM && at <= OCCURRED_AT_BEFORE)) {
    throw new ValidationError(`${name}: "${text}" is out of range: a report covers ${LIMITS.occurredAtFrom} to ${LIMITS.occurredAtBefore}, the times order events can have`);
  }
  return at;
}

function readBound(name: 'from' | 'to', text: string): Micros {
  const date = DATE.exec(text);
  if (date) {
    // Not Date.UTC: it reads years 0 to 99 as 1900 to 1999.
    const ms = new Date(0).setUTCFullYear(Number(date[1]), Number(date[2]) - 1, Number(date[3]));
    // A date that does not exist (2026-02-30) rolls over to another; a real date formats back to itself.
    if (new Date(ms).toISOString().slice(0, 10) !== text) throw new ValidationError(`${name}: "${text}" is not a date of the calendar`);
    return ms * 1000 + (name === 'to' ? DAY_MICROS : 0);
  }
  try {
    return parseEventTime(text);
  } catch {
    throw new ValidationError(`${name}: "${text}" is not a date (2026-11-23) or an RFC 3339 time with an offset (2026-11-23T08:00:00Z)`);
  }
}

/**
 * The period of a report asked for without from and to: the last 7 days, or, when the newest event
 * is older than that (history imported from a log), the 7 days up to the end of the UTC day of the
 * newest event: a backfill's report shows its last week instead of nothing.
 *
 * @param newestEventAt the newest event time in the store, null when it is empty
 */
export function defaultPeriod(now: Micros, newestEventAt: Micros | null): Period {
  const lastWeek = { from: now - DEFAULT_PERIOD_DAYS * DAY_MICROS, to: now };
  if (newestEventAt === null || newestEventAt >= lastWeek.from) return lastWeek;
  const to = (Math.floor(newestEventAt / DAY_MICROS) + 1) * DAY_MICROS;
  return { from: to - DEFAULT_PERIOD_DAYS * DAY_MICROS, to };
}

/** The UTC date (YYYY-MM-DD) of the Monday that starts the week of `at`: this week's report starts there. */
export function mondayOf(at: Micros): string {
  const ms = Math.floor(at / 1000);
  const weekday = (new Date(ms).getUTCDay() + 6) % 7; // Monday 0 ... Sunday 6
  return utcDay(ms * 1000 - weekday * DAY_MICROS);
}

/** The UTC week (Monday to Sunday, as dates for `from` and `to`) that `at` falls in. */
export function weekOf(at: Micros): { from: string; to: string } {
  const from = mondayOf(at);
  return { from, to: utcDay(Date.parse(`${from}T00:00:00Z`) * 1000 + 6 * DAY_MICROS) };
}

/** YYYY-MM-DD of an instant, in UTC. */
export function utcDay(at: Micros): string {
  return new Date(Math.floor(at / 1000)).toISOString().slice(0, 10);
}

/** Every UTC day that overlaps the period, in order. */
export function daysOf(period: Period): string[] {
  const days: string[] = [];
  const first = Math.floor(period.from / DAY_MICROS) * DAY_MICROS;
  for (let day = first; day < period.to; day += DAY_MICROS) days.push(utcDay(day));
  return days;
}

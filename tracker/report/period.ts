import { ValidationError } from '../../common/errors';
import { formatEventTime, parseEventTime, type Micros } from '../timeline';

/** A report period: [from, to), in microseconds since the epoch. */
export interface Period {
  readonly from: Micros;
  readonly to: Micros;
}

const DAY_MICROS = 86_400_000_000;
/** The period when neither end is given, and the length assumed when only one is. */
export const DEFAULT_PERIOD_DAYS = 7;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * Reads a report period from `from` and `to`, each an RFC 3339 time with an offset
 * (`2026-11-23T08:00:00+01:00`) or a date (`2026-11-23`, a UTC day). A date as `to` includes that whole
 * day, so `from=2026-11-23&to=2026-11-29` is the week from Monday to Sunday. Defaults: `to` is now,
 * `from` is 7 days before `to`.
 *
 * @throws ValidationError naming the parameter and what to write instead
 */
export function parsePeriod(input: { readonly from?: string | undefined; readonly to?: string | undefined }, now: Micros): Period {
  const to = input.to === undefined ? now : parseBound('to', input.to);
  const from = input.from === undefined ? to - DEFAULT_PERIOD_DAYS * DAY_MICROS : parseBound('from', input.from);
  if (from >= to) {
    throw new ValidationError(`from (${formatEventTime(from)}) must be before to (${formatEventTime(to)}); a date as "to" includes that whole day`);
  }
  return { from, to };
}

function parseBound(name: 'from' | 'to', text: string): Micros {
  const date = DATE.exec(text);
  if (date) {
    const ms = Date.UTC(Number(date[1]), Number(date[2]) - 1, Number(date[3]));
    // Date.UTC rolls 2026-02-30 over to March; a real date formats back to itself.
    if (new Date(ms).toISOString().slice(0, 10) !== text) throw new ValidationError(`${name}: "${text}" is not a date of the calendar`);
    return ms * 1000 + (name === 'to' ? DAY_MICROS : 0);
  }
  try {
    return parseEventTime(text);
  } catch {
    throw new ValidationError(`${name}: "${text}" is not a date (2026-11-23) or an RFC 3339 time with an offset (2026-11-23T08:00:00Z)`);
  }
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

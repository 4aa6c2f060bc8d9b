import type { Micros } from '../timeline';
import { utcDay, type Period } from './period';

const DAY_MICROS = 86_400_000_000;

/**
 * A period cut where the report rollups can serve it: the whole UTC days inside it from the rollups,
 * the partial days at its edges (a period from 08:00 to 08:00) from the raw rows.
 */
export interface WholeDaysCut {
  /** The whole UTC days, [fromDay, toDay) as YYYY-MM-DD; fromDay = toDay when there is none. */
  readonly fromDay: string;
  readonly toDay: string;
  /** The raw head is [period.from, headTo), the raw tail [tailFrom, period.to); either may be empty. */
  readonly headTo: Micros;
  readonly tailFrom: Micros;
}

/** Cuts `period` into its whole UTC days and the raw parts before and after them. */
export function cutAtWholeDays(period: Period): WholeDaysCut {
  const first = Math.ceil(period.from / DAY_MICROS) * DAY_MICROS;
  const end = Math.floor(period.to / DAY_MICROS) * DAY_MICROS;
  if (first >= end) return { fromDay: utcDay(first), toDay: utcDay(first), headTo: period.to, tailFrom: period.to };
  return { fromDay: utcDay(first), toDay: utcDay(end), headTo: first, tailFrom: end };
}

/** How many whole days of the cut the rollups serve. */
export function wholeDayCount(cut: WholeDaysCut): number {
  return Math.round((Date.parse(cut.toDay) - Date.parse(cut.fromDay)) / 86_400_000);
}

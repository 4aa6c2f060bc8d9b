import { parseEventTime } from '../timeline';
import { utcDay } from './period';
import type { LatencyReport } from './types';
import type { GroupBy } from './views';

/**
 * A file name that says what the report holds: `orderscope-latency-2026-11-23_2026-11-29-by-state.csv`
 * (the first and the last day of the period, the view of a CSV or JSON).
 */
export function reportFileName(report: Pick<LatencyReport, 'period'>, format: 'json' | 'csv' | 'html', groupBy?: GroupBy): string {
  const first = utcDay(parseEventTime(report.period.from));
  // `to` is exclusive: the last day is the one of the microsecond before it.
  const last = utcDay(parseEventTime(report.period.to) - 1);
  const days = first === last ? first : `${first}_${last}`;
  return `orderscope-latency-${days}${groupBy ? `-by-${groupBy}` : ''}.${format}`;
}

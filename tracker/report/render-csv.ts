import { toCsv } from './csv';
import type { LatencyReport } from './types';
import { reportTable, type GroupBy } from './views';

/**
 * One view of the report as CSV (RFC 4180): a header row, then one row per group; see
 * {@link reportTable} for the columns of each view. In an empty period the state and day views list
 * their states and days with zeros, the segment and operator views are the header alone.
 */
export function renderCsv(report: LatencyReport, groupBy: GroupBy): string {
  const t = reportTable(report, groupBy);
  return toCsv(t.columns, t.rows);
}

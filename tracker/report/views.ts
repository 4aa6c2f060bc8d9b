import type { CsvValue } from './csv';
import type { LatencyReport } from './types';

/** The views a report can be cut into: one table each (`group_by`). */
export const GROUP_BYS = ['state', 'segment', 'operator', 'day'] as const;
export type GroupBy = (typeof GROUP_BYS)[number];

/** One view of a report as a flat table: what the CSV holds, and the JSON with `group_by`. */
export interface ReportTable {
  readonly columns: readonly string[];
  readonly rows: readonly (readonly CsvValue[])[];
}

/**
 * The report cut by `groupBy`, one row per group, durations in seconds and shares as fractions (0-1),
 * unknown values empty:
 *
 * - `state`: state, system, sla_seconds, stays, open_stays, p50_seconds, p90_seconds, p99_seconds,
 *   within_sla, missed_sla, within_sla_share, stuck, lost, label, mean_seconds — every state that is not
 *   terminal, model order (label and mean last, so that readers of the older columns by position still work);
 * - `segment`: segment, orders_completed, orders_ended_otherwise, lead_time_p50_seconds, ..._p90_...,
 *   ..._p99_..., stuck, lost;
 * - `operator`: operator_id, orders, share_of_orders, time_to_confirm_p50_seconds, ..._p90_...,
 *   within_sla_share — most orders first;
 * - `day`: day (YYYY-MM-DD, UTC), orders_completed, orders_ended_otherwise, lead_time_p50_seconds,
 *   lead_time_p90_seconds — every day of the period.
 *
 * Every view ends with `method` (rollup or exact) and `relative_error` (the report's error bound), the
 * same on every row: a CSV file has nowhere else to say how its figures were computed.
 */
export function reportTable(report: LatencyReport, groupBy: GroupBy): ReportTable {
  const view = viewOf(report, groupBy);
  return { columns: [...view.columns, 'method', 'relative_error'], rows: view.rows.map((row) => [...row, report.method, report.relativeError]) };
}

function viewOf(report: LatencyReport, groupBy: GroupBy): ReportTable {
  switch (groupBy) {
    case 'state':
      return table(report.states, {
        state: (s) => s.state,
        system: (s) => s.system,
        sla_seconds: (s) => s.slaSeconds,
        stays: (s) => s.stays,
        open_stays: (s) => s.openStays,
        p50_seconds: (s) => s.p50Seconds,
        p90_seconds: (s) => s.p90Seconds,
        p99_seconds: (s) => s.p99Seconds,
        within_sla: (s) => s.withinSla,
        missed_sla: (s) => s.missedSla,
        within_sla_share: (s) => s.withinSlaShare,
        stuck: (s) => s.stuck,
        lost: (s) => s.lost,
        label: (s) => s.label,
        mean_seconds: (s) => s.meanSeconds,
      });
    case 'segment':
      return table(report.segments, {
        segment: (s) => s.segment,
        orders_completed: (s) => s.ordersCompleted,
        orders_ended_otherwise: (s) => s.ordersEndedOtherwise,
        lead_time_p50_seconds: (s) => s.leadTimeP50Seconds,
        lead_time_p90_seconds: (s) => s.leadTimeP90Seconds,
        lead_time_p99_seconds: (s) => s.leadTimeP99Seconds,
        stuck: (s) => s.stuck,
        lost: (s) => s.lost,
      });
    case 'operator':
      return table(report.operators.rows, {
        operator_id: (o) => o.operatorId,
        orders: (o) => o.orders,
        share_of_orders: (o) => o.shareOfOrders,
        time_to_confirm_p50_seconds: (o) => o.timeToConfirmP50Seconds,
        time_to_confirm_p90_seconds: (o) => o.timeToConfirmP90Seconds,
        within_sla_share: (o) => o.withinSlaShare,
      });
    case 'day':
      return table(report.days, {
        day: (d) => d.day,
        orders_completed: (d) => d.ordersCompleted,
        orders_ended_otherwise: (d) => d.ordersEndedOtherwise,
        lead_time_p50_seconds: (d) => d.leadTimeP50Seconds,
        lead_time_p90_seconds: (d) => d.leadTimeP90Seconds,
      });
  }
}

/** Columns named once with how to read each from a row, so that header and cells cannot drift apart. */
function table<T>(items: readonly T[], columns: Record<string, (item: T) => CsvValue>): ReportTable {
  const readers = Object.values(columns);
  return { columns: Object.keys(columns), rows: items.map((item) => readers.map((read) => read(item))) };
}

/** The table of one view as JSON objects, one per row, keyed by column. */
export function tableObjects(t: ReportTable): Record<string, CsvValue>[] {
  return t.rows.map((row) => Object.fromEntries(t.columns.map((c, i) => [c, row[i] ?? null])));
}

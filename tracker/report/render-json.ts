import { camelKeys, snakeKeys } from './json-keys';
import type { LatencyReport } from './types';
import { reportTable, tableObjects, type GroupBy } from './views';

/**
 * The report as JSON: the whole report (every section, snake_case keys) without `groupBy`; with it,
 * the one view that the CSV of the same `groupBy` holds, as objects: `{ model, method, relative_error,
 * period, generated_at, group_by, rows: [...] }`.
 */
export function renderJson(report: LatencyReport, groupBy?: GroupBy): string {
  if (groupBy === undefined) return `${JSON.stringify(snakeKeys(report), null, 2)}\n`;
  const view = {
    model: report.model,
    method: report.method,
    relative_error: report.relativeError,
    period: report.period,
    generated_at: report.generatedAt,
    group_by: groupBy,
    rows: tableObjects(reportTable(report, groupBy)),
  };
  return `${JSON.stringify(view, null, 2)}\n`;
}

/** A whole report read back from its JSON (e.g. fetched from a tracker, to render it here). */
export function parseReportJson(json: string): LatencyReport {
  return camelKeys(JSON.parse(json)) as LatencyReport;
}

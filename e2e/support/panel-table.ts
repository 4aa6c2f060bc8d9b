import { hasData, queryHasData, type DashboardRun } from '../../dashboards/preview';

/** One row of the panel table: a panel, its queries, and what they returned. */
export interface PanelRow {
  readonly dashboard: string;
  readonly panel: string;
  readonly type: string;
  readonly queries: number;
  /** Queries that returned at least one series with a point. */
  readonly withData: number;
  readonly series: number;
  readonly errors: readonly string[];
  readonly hasData: boolean;
}

/** The rows of every panel that holds PromQL (text panels hold none). */
export function panelRows(runs: readonly DashboardRun[]): PanelRow[] {
  return runs.flatMap((run) =>
    run.panels
      .filter((p) => p.queries.length > 0)
      .map((p) => ({
        dashboard: run.dashboard.uid,
        panel: p.panel.title,
        type: p.panel.type,
        queries: p.queries.length,
        withData: p.queries.filter(queryHasData).length,
        series: p.queries.reduce((n, q) => n + q.series.length, 0),
        errors: p.queries.flatMap((q) => (q.error ? [`${q.refId}: ${q.error}`] : [])),
        hasData: hasData(p),
      })),
  );
}

/** The table for the test output: one line per panel, then the totals. */
export function formatPanelTable(rows: readonly PanelRow[], expectedEmpty: Readonly<Record<string, string>>): string {
  const lines = rows.map((r) => {
    const verdict = r.errors.length ? `ERROR ${r.errors.join('; ')}` : r.hasData ? 'data' : `empty${expectedEmpty[r.panel] ? ` (expected: ${expectedEmpty[r.panel]})` : ' (NOT EXPECTED)'}`;
    return `| ${r.dashboard} | ${r.panel} | ${r.type} | ${r.queries} | ${r.withData} | ${r.series} | ${verdict} |`;
  });
  const withData = rows.filter((r) => r.hasData).length;
  return [
    '| dashboard | panel | type | queries | queries with data | series | result |',
    '|---|---|---|---|---|---|---|',
    ...lines,
    `${rows.length} panels, ${rows.reduce((n, r) => n + r.queries, 0)} queries: ${withData} panels with data, ${rows.length - withData} empty, ${rows.filter((r) => r.errors.length).length} with errors`,
  ].join('\n');
}

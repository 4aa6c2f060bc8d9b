import { labelValuesQuery, parseDashboard, substituteVariables, type DashboardPanel, type ParsedDashboard, type QueryContext } from './panel-queries';
import { labelValues, queryRange, type RangeSeries } from './prometheus-api';

/** The window a dashboard is drawn over, in seconds since the epoch, and Prometheus' scrape interval. */
export interface PanelWindow {
  readonly start: number;
  readonly end: number;
  readonly step: number;
  readonly scrapeSeconds: number;
}

/** One query of a panel as it ran: the PromQL sent, and its series or Prometheus' error. */
export interface QueryRun {
  readonly refId: string;
  readonly legendFormat?: string;
  readonly expr: string;
  readonly series: readonly RangeSeries[];
  readonly error?: string;
}

export interface PanelRun {
  readonly panel: DashboardPanel;
  readonly queries: readonly QueryRun[];
}

export interface DashboardRun {
  readonly dashboard: ParsedDashboard;
  /** The values each template variable got. */
  readonly variables: Readonly<Record<string, readonly string[]>>;
  readonly panels: readonly PanelRun[];
}

/**
 * The values of a dashboard's template variables, from Prometheus as Grafana would ask: every value of
 * a `label_values(metric, label)` query over the window, a textbox's default text. Others (the data
 * source) are not used in queries.
 */
export async function resolveVariables(prometheus: string, dashboard: ParsedDashboard, window: PanelWindow): Promise<Record<string, string[]>> {
  const values: Record<string, string[]> = {};
  for (const v of dashboard.variables) {
    const lv = v.type === 'query' ? labelValuesQuery(v.query) : undefined;
    if (lv) values[v.name] = (await labelValues(prometheus, lv.label, lv.metric, window.start, window.end)).sort();
    else if (v.type === 'textbox' || v.type === 'constant') values[v.name] = [v.query];
  }
  return values;
}

/**
 * Every query of every panel of a dashboard (its JSON), run on Prometheus' `/api/v1/query_range` over
 * the window with the variables resolved there. A query Prometheus refuses is recorded with its error,
 * not thrown: the caller wants the whole table. Queries run one at a time: a preview must not load the
 * Prometheus it reads.
 */
export async function runDashboard(prometheus: string, json: string, window: PanelWindow): Promise<DashboardRun> {
  const dashboard = parseDashboard(json);
  const variables = await resolveVariables(prometheus, dashboard, window);
  const context: QueryContext = { variables, rangeSeconds: window.end - window.start, stepSeconds: window.step, scrapeSeconds: window.scrapeSeconds };
  const panels: PanelRun[] = [];
  for (const panel of dashboard.panels) {
    const queries: QueryRun[] = [];
    for (const q of panel.queries) {
      const expr = substituteVariables(q.expr, context);
      const base = { refId: q.refId, expr, ...(q.legendFormat !== undefined && { legendFormat: q.legendFormat }) };
      try {
        queries.push({ ...base, series: await queryRange(prometheus, expr, window.start, window.end, window.step) });
      } catch (err) {
        queries.push({ ...base, series: [], error: (err as Error).message });
      }
    }
    panels.push({ panel, queries });
  }
  return { dashboard, variables, panels };
}

/**
 * True when some query of the panel returned a series with a number: NaN (the quantile of an empty
 * histogram, a division by zero) is no data, Grafana draws nothing for it either.
 */
export function hasData(run: PanelRun): boolean {
  return run.queries.some(queryHasData);
}

/** True when the query returned a series with a number (not NaN, not infinite). */
export function queryHasData(q: QueryRun): boolean {
  return q.series.some((s) => s.points.some(([, v]) => Number.isFinite(v)));
}

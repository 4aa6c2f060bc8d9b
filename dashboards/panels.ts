import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as prometheus from '@grafana/grafana-foundation-sdk/prometheus';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import { METRICS, selector, type Matcher } from '../alerts';
import type { DashboardOptions } from './options';

/*
 * The pieces every orderscope dashboard is built from: its variables (data source, the two jobs, the
 * tracker's URL for links), the query and panel defaults, and the rendering to deterministic JSON.
 */

/** Every panel queries the data source the `datasource` variable selects. */
export const DATASOURCE = { type: 'prometheus', uid: '${datasource}' } as const;

/** The tag all orderscope dashboards share: their links to each other use it. */
export const TAG = 'orderscope';

/** A series of the tracker, restricted to the `tracker_job` variable. */
export function tracker(name: string, labels: Readonly<Record<string, Matcher>> = {}): string {
  return selector(name, { job: { re: '$tracker_job' }, ...labels });
}

/** A duration histogram of the tracker and its `_retracted` twin (see {@link netOfRetracted}). */
export interface DurationHistogram {
  readonly observed: string;
  readonly retracted: string;
}

export const STATE_DURATION: DurationHistogram = { observed: METRICS.stateDuration, retracted: METRICS.stateDurationRetracted };
export const LEAD_TIME: DurationHistogram = { observed: METRICS.leadTime, retracted: METRICS.leadTimeRetracted };

/**
 * `aggregate(observed) - aggregate(retracted)` for one series of a tracker duration histogram
 * (`suffix`: `_bucket`, `_count`): the tracker observes a stay when it is stored and observes it into
 * the `_retracted` twin when a late event rewrites it, so the difference is the stays as stored, each
 * once. `aggregate` must keep the same labels on both sides (e.g. `sum by (le) (rate(...))`). No
 * `or` guard: the tracker exports the twin of every series from its start, so both are always there.
 */
export function netOfRetracted(
  histogram: DurationHistogram,
  suffix: '_bucket' | '_count',
  labels: Readonly<Record<string, Matcher>>,
  aggregate: (series: string) => string,
): string {
  return `${aggregate(tracker(`${histogram.observed}${suffix}`, labels))} - ${aggregate(tracker(`${histogram.retracted}${suffix}`, labels))}`;
}

/** A series of the collector, restricted to the `collector_job` variable. */
export function collector(name: string, labels: Readonly<Record<string, Matcher>> = {}): string {
  return selector(name, { job: { re: '$collector_job' }, ...labels });
}

/** A Prometheus range query with a legend. */
export function query(expr: string, legend?: string): prometheus.DataqueryBuilder {
  const q = new prometheus.DataqueryBuilder().expr(expr).range();
  return legend === undefined ? q : q.legendFormat(legend);
}

/** A Prometheus instant query: for totals over the whole time range (`[$__range]`). */
export function instantQuery(expr: string): prometheus.DataqueryBuilder {
  return new prometheus.DataqueryBuilder().expr(expr).instant();
}

/** Adds queries to a panel with the refIds Grafana expects (A, B, ...). */
export function withQueries<P extends { withTarget(t: prometheus.DataqueryBuilder): P }>(panel: P, ...queries: prometheus.DataqueryBuilder[]): P {
  queries.forEach((q, i) => panel.withTarget(q.refId(String.fromCharCode(65 + i))));
  return panel;
}

/** A time series panel with the orderscope defaults: legend as a table below with last and max values. */
export function timeSeries(title: string, description: string, unit: string, width = 12, height = 8): timeseries.PanelBuilder {
  return new timeseries.PanelBuilder()
    .title(title)
    .description(description)
    .datasource(DATASOURCE)
    .unit(unit)
    .span(width)
    .height(height)
    .min(0)
    .lineWidth(1)
    .fillOpacity(10)
    .showPoints(common.VisibilityMode.Never)
    .legend(
      new common.VizLegendOptionsBuilder()
        .showLegend(true)
        .placement(common.LegendPlacement.Bottom)
        .displayMode(common.LegendDisplayMode.Table)
        .calcs(['lastNotNull', 'max']),
    )
    .tooltip(new common.VizTooltipOptionsBuilder().mode(common.TooltipDisplayMode.Multi).sort(common.SortOrder.Descending));
}

/** A single-value panel: the last value, with its trend as a sparkline (none for an instant query). */
export function statPanel(title: string, description: string, unit: string, width = 6, height = 4, sparkline = true): stat.PanelBuilder {
  return new stat.PanelBuilder()
    .title(title)
    .description(description)
    .datasource(DATASOURCE)
    .unit(unit)
    .span(width)
    .height(height)
    .graphMode(sparkline ? common.BigValueGraphMode.Area : common.BigValueGraphMode.None)
    .colorMode(common.BigValueColorMode.Value)
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false));
}

/** Thresholds from a base colour and (value, colour) steps. */
export function thresholds(base: string, ...steps: [number, string][]): dashboard.ThresholdsConfigBuilder {
  return new dashboard.ThresholdsConfigBuilder()
    .mode(dashboard.ThresholdsMode.Absolute)
    .steps([{ value: null, color: base }, ...steps.map(([value, color]) => ({ value, color }))]);
}

/** A link that opens in a new tab (panel links, data links). */
export function externalLink(title: string, url: string): dashboard.DashboardLinkBuilder {
  return new dashboard.DashboardLinkBuilder(title).type(dashboard.DashboardLinkType.Link).url(url).targetBlank(true);
}

/** The variables of every orderscope dashboard; the same on each, so links between them carry them over. */
function variables(options: DashboardOptions): cog.Builder<dashboard.VariableModel>[] {
  const current = (value: string) => ({ selected: true, text: value, value });
  const jobVariable = (name: string, label: string, metric: string, value: string) =>
    new dashboard.QueryVariableBuilder(name)
      .label(label)
      .description(`The Prometheus job that scrapes the ${label.toLowerCase().replace(' job', '')}.`)
      .datasource(DATASOURCE)
      .query(`label_values(${metric}, job)`)
      .refresh(dashboard.VariableRefresh.OnDashboardLoad)
      .sort(dashboard.VariableSort.AlphabeticalAsc)
      .current(current(value));
  return [
    new dashboard.DatasourceVariableBuilder('datasource').label('Data source').type('prometheus'),
    jobVariable('tracker_job', 'Tracker job', METRICS.eventsApplied, options.trackerJob),
    jobVariable('collector_job', 'Collector job', METRICS.eventsAccepted, options.collectorJob),
    new dashboard.TextBoxVariableBuilder('tracker_url')
      .label('Tracker')
      .description("The tracker as you reach it: the links to lost and stuck orders open its pages there (sign in with a token that has the read scope).")
      .defaultValue(options.trackerUrl)
      .current(current(options.trackerUrl)),
  ];
}

/** A dashboard with the orderscope tag, links to the other orderscope dashboards and the shared variables. */
export function orderscopeDashboard(uid: string, title: string, description: string, options: DashboardOptions): dashboard.DashboardBuilder {
  const builder = new dashboard.DashboardBuilder(title)
    .uid(uid)
    .description(description)
    .tags([TAG, 'generated'])
    .readonly()
    .timezone('browser')
    .time({ from: options.from, to: 'now' })
    .refresh(options.refresh)
    .tooltip(dashboard.DashboardCursorSync.Crosshair)
    .link(
      new dashboard.DashboardLinkBuilder('orderscope')
        .type(dashboard.DashboardLinkType.Dashboards)
        .tags([TAG])
        .asDropdown(true)
        .includeVars(true)
        .keepTime(true),
    );
  for (const v of variables(options)) builder.withVariable(v);
  return builder;
}

/** Recursively sorts object keys, so the JSON is the same bytes whatever order the SDK set them in. */
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.keys(value).sort().map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]));
  }
  return value;
}

/** The dashboard as committed: panel ids in order, keys sorted, two-space indent, final newline. */
export function renderDashboard(builder: dashboard.DashboardBuilder): string {
  const built = builder.build();
  let id = 1;
  for (const panel of built.panels ?? []) {
    panel.id = id++;
    for (const child of 'panels' in panel && Array.isArray(panel.panels) ? panel.panels : []) child.id = id++;
  }
  return `${JSON.stringify(sortKeys(built), null, 2)}\n`;
}

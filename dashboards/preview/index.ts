/**
 * The dashboards without Grafana: each panel's PromQL run on a real Prometheus (what the e2e suite
 * proves every panel with) and drawn as an HTML page of inline SVG charts (`orderscope dashboards
 * preview`), in the style of the latency reports.
 */
export { parseDashboard, substituteVariables, labelValuesQuery } from './panel-queries';
export type { DashboardPanel, ParsedDashboard, PanelQuery, QueryContext } from './panel-queries';
export { queryRange, labelValues, PrometheusQueryError } from './prometheus-api';
export type { RangeSeries } from './prometheus-api';
export { runDashboard, resolveVariables, hasData, queryHasData } from './run-panels';
export { renderDashboardPreview, renderPreviewIndex } from './render-preview';
export { writeDashboardPreviews } from './write-previews';
export type { DashboardRun, PanelRun, QueryRun, PanelWindow } from './run-panels';

/**
 * The tracker's HTML kit: escaping by construction (the `html` tagged template), one page layout with
 * inline CSS and a strict Content-Security-Policy, small server-side SVG charts, and formatting of
 * durations, counts and shares for people. Used by the latency report and the tracker's own pages.
 */
export { html, escapeHtml, safeHref, SafeHtml } from './escape';
export type { HtmlValue } from './escape';
export { renderPage, kpis, dataTable, card, statusBadge, CONTENT_SECURITY_POLICY } from './page';
export type { PageOptions, Kpi, Column } from './page';
export { slaChart, histogramChart, trendChart, stackedBars, lineChart, CHART_WIDTH, COLORS, SERIES_COLORS } from './charts';
export type { SlaRow, Marker, TrendPoint, StackedRow, LegendItem, LineSeries } from './charts';
export { largest } from './largest';
export { exactTime } from './exact-time';
export { roughDuration, formatCount, formatShare, formatTime, formatShortTime, formatDay } from './format';

/**
 * The tracker: consumes order events from the bus, keeps each order's state and timeline in
 * PostgreSQL (or PGlite), measures time in each state, flags stuck and lost orders, and serves metrics
 * and the order API.
 *
 * Embedded use: `const tracker = await createTracker({ config, model, source, store, logger, registry })`,
 * `await tracker.start()`, `listen(tracker.app, host, port)`, then close the bus, `tracker.close()`,
 * and `store.close()`.
 */
export { createTracker } from './tracker';
export type { Tracker, TrackerOptions } from './tracker';
export { TrackerMetrics } from './metrics';
export { TRACKER_METRICS, TRACKER_METRIC_NAMES, RECONCILE_METRICS } from './metric-names';
export type { MetricSpec } from './metric-names';
export { openPostgres, openPglite, openPgliteThread, migrate, readMigrations, recordedSchema, writerSchema, MIGRATIONS_DIR, databaseAtStartError, writerConnectionOptions } from './store';
export type { Db, Sql, MigrationResult } from './store';
export { applyBatch } from './apply';
export type { ApplyOutcome } from './apply';
export { rebuildReportRollups, rollupDrift } from './rollups';
export type { RollupDrift } from './rollups';
export { createSweeper, decideAt, settleAfterEvents, backtest, LOST_REASONS } from './detection';
export type { Sweeper, SweeperOptions, SweepResult, BacktestResult } from './detection';
export { DUE_ORDERS_SQL } from './store';
export type { StatusChange } from './store';
export { buildTimeline, parseEventTime, formatEventTime } from './timeline';
export type { Timeline, Stay, Violation, ViolationKind, TimelineEvent, Micros } from './timeline';
export { createTrackerApp, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './http';
export { buildLatencyReport, parseReportQuery, parseReportJson, renderCsv, renderHtml, renderJson, reportFileName, describePeriod, REPORT_FORMATS } from './report';
export type { LatencyReport, GroupBy, ReportFormat, ReportRequest } from './report';
export { parsePeriod, defaultPeriod, newestStateSince } from './report';
export { runReconcile, reconciliationCard, sourceTables, renderReconcileJson, renderReconcileCsv, ReconcileMetrics, DISCREPANCY_KINDS } from './reconcile';
export type { Reconciliation, Discrepancy, DiscrepancyKind } from './reconcile';
/** The HTML kit of the reports (page layout, inline SVG charts, formats), for other pages in the same style (the dashboard preview). */
export { card, dataTable, html, kpis, lineChart, renderPage, roughDuration, formatCount, formatShare, SafeHtml } from './html';
export type { HtmlValue, Kpi, LineSeries } from './html';
export { countTicks } from './report';
export { SERIES_COLORS } from './html';

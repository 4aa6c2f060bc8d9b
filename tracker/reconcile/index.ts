/**
 * Reconciliation: what the source systems' order tables hold against what the tracker saw, per
 * window: missing, orphan, diverged and duplicated orders (see {@link reconcile} for the exact
 * rules). `orderscope reconcile` runs it once; the tracker every tracker.reconcileIntervalMs.
 *
 * `runReconcile({ tracker: db, sources: sourceTables(config.reconcile.sources), window, now, graceMs })`
 * reads the sources read-only and the tracker in one read-only transaction; `reconcile()` is the pure
 * comparison; the renderers give JSON and CSV.
 */
export { reconcile, countByKind, DISCREPANCY_KINDS } from './compare';
export type { Discrepancy, DiscrepancyKind, SourceHolding, SourceRow, TrackedOrder, SeenEvent, ReconcileInput, ResolvedValue } from './compare';
export { sourceTables, openSourceReader, readerOn, resolverOf } from './source-tables';
export type { SourceTable, SourceReader } from './source-tables';
export { runReconcile } from './run';
export type { Reconciliation, RunReconcileOptions } from './run';
export { renderReconcileJson, renderReconcileCsv, reconcileJson, RECONCILE_CSV_COLUMNS } from './render';
export { ReconcileMetrics } from './metrics';
export { createReconcileJob } from './job';
export { reconciliationCard } from './report-section';
export type { ReconcileJob, ReconcileJobOptions } from './job';

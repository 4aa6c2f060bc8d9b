/**
 * The report rollups (migration 008): per UTC day, the stays and orders the latency report reads
 * (tracker/report), kept as exact counts and microsecond sums per logarithmic duration bucket, so that
 * a report of whole days reads a few rows per state and day instead of every stay.
 *
 * 1. compute: {@link rollupChanges} says what a batch's plans change in them (pure);
 * 2. persist: {@link addReportRollups} adds that in the apply transaction, the one place every
 *    write of stays and positions goes through (tracker/apply), so the rollups equal what the stays
 *    and orders tables hold, late events included (retracted and added again, as the histograms do);
 * 3. repair and check: {@link rebuildReportRollups} recomputes them from the tables (the migration's
 *    backfill, a bulk load), {@link rollupDrift} lists where they differ from a rebuild (tests).
 */
export { addReportRollups } from './add-report-rollups';
export { rollupChanges } from './rollup-changes';
export type { RollupChanges, RolledOrder, StayRollupChange, AttributeMove, OrderRollupChange, RollupAttributes } from './rollup-changes';
export { addRollupChanges, rebuildReportRollups, rollupDrift } from './rollups-table';
export type { RollupDrift } from './rollups-table';

/**
 * The tracker's duration histograms (time in state, lead time, and their *_retracted twins), from a
 * stay to the Prometheus metric:
 *
 * 1. compute: {@link histogramChanges} says what a change of one order's stays observes and retracts;
 * 2. persist: {@link addHistogramChanges} adds a batch's changes to the instance's per-bucket totals
 *    (histogram_totals) in the apply transaction, so the totals follow the stored stays exactly;
 * 3. restore: {@link histogramTotals} reads an instance's totals back, at every scrape, so a restarted
 *    process exports from its first scrape what the store holds;
 * 4. export: {@link DurationHistograms} registers the histograms, which expose those totals.
 */
export { histogramChanges } from './histogram-changes';
export type { HistogramChange, DurationHistogram } from './histogram-changes';
export { addHistogramChanges } from './bucket-totals';
export { addHistogramTotals, histogramTotals } from './histogram-totals-table';
export type { BucketTotal } from './histogram-totals-table';
export { DurationHistograms } from './duration-histograms';
export type { DurationHistogramsOptions } from './duration-histograms';

import type { Sql } from '../store';
import { TRACKER_METRICS } from '../metric-names';
import type { DurationHistogram, HistogramChange } from './histogram-changes';
import { addHistogramTotals, type BucketTotal } from './histogram-totals-table';

/**
 * Adds a batch's histogram changes to `observer`'s running totals, inside the apply transaction: so
 * the totals hold each change exactly when the stays that made it are stored.
 */
export async function addHistogramChanges(sql: Sql, observer: string, changes: readonly HistogramChange[], bounds: readonly number[]): Promise<void> {
  await addHistogramTotals(sql, observer, sumByBucket(changes, bounds));
}

/** The metric a duration observation goes into: the histogram, or its *_retracted twin. */
function durationMetricName(histogram: DurationHistogram, retracted: boolean): string {
  if (histogram === 'state_duration') return (retracted ? TRACKER_METRICS.stateDurationRetracted : TRACKER_METRICS.stateDuration).name;
  return (retracted ? TRACKER_METRICS.leadTimeRetracted : TRACKER_METRICS.leadTime).name;
}

/**
 * Sums histogram changes per series and bucket (`le`: the first bound at or above the value, as
 * Prometheus counts them), one row per key: the shape of the per-instance running totals.
 */
export function sumByBucket(changes: readonly HistogramChange[], bounds: readonly number[]): BucketTotal[] {
  const totals = new Map<string, { metric: string; state: string; le: number; count: number; sum: number }>();
  for (const change of changes) {
    const metric = durationMetricName(change.histogram, change.retracted);
    const le = bounds.find((b) => change.seconds <= b) ?? Infinity;
    const key = `${metric}\u0000${change.state}\u0000${le}`;
    const total = totals.get(key);
    if (total) {
      total.count += 1;
      total.sum += change.seconds;
    } else totals.set(key, { metric, state: change.state, le, count: 1, sum: change.seconds });
  }
  return [...totals.values()];
}

import type { BucketTotal } from '../store';
import { durationMetricName } from '../metrics';
import type { HistogramChange } from './histogram-changes';

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

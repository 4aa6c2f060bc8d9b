/**
 * Reading the duration buckets of the report rollups (migration 008, `rollup_bucket`): bucket k holds
 * the durations in (gamma^(k-1), gamma^k] seconds, gamma = (1 + a) / (1 - a), a =
 * {@link ROLLUP_RELATIVE_ERROR}; {@link ZERO_BUCKET} holds durations under one microsecond. Pure
 * functions: the SQL says which bucket, this says what a bucket's counts mean.
 */

/** The relative error of a percentile read from the rollups (a of migration 008's rollup_bucket). */
export const ROLLUP_RELATIVE_ERROR = 0.01;
const GAMMA = (1 + ROLLUP_RELATIVE_ERROR) / (1 - ROLLUP_RELATIVE_ERROR);
/** How far from an SLA or a histogram bin bound a duration may be and still be counted on its other side: gamma - 1, about 2 %. */
export const ROLLUP_BOUND_MARGIN = GAMMA - 1;
/** rollup_bucket's bucket of durations under 1 microsecond (zero). */
export const ZERO_BUCKET = -1000;

/**
 * The duration that stands for every duration in `bucket`, in seconds: 2 gamma^k / (gamma + 1), within
 * a of both ends of the bucket (DDSketch's estimate); 0 for the zero bucket.
 */
export function bucketSeconds(bucket: number): number {
  return bucket === ZERO_BUCKET ? 0 : (2 * GAMMA ** bucket) / (GAMMA + 1);
}

/** How many durations fell into one bucket. */
export interface BucketCount {
  readonly bucket: number;
  readonly count: number;
}

/**
 * percentile_cont of the durations that the buckets count, as PostgreSQL computes it over the
 * durations themselves (the value at position p * (n - 1), interpolated between its two neighbours),
 * with each duration replaced by its bucket's {@link bucketSeconds}: each neighbour is within a of
 * the true one, so their interpolation is within a of the exact percentile. Buckets may come in any
 * order and more than once (rows of several days); null without any duration.
 */
export function bucketPercentiles(buckets: readonly BucketCount[], ps: readonly number[]): (number | null)[] {
  const merged = new Map<number, number>();
  for (const { bucket, count } of buckets) merged.set(bucket, (merged.get(bucket) ?? 0) + count);
  const sorted = [...merged].filter(([, count]) => count > 0).sort(([a], [b]) => a - b);
  const total = sorted.reduce((n, [, count]) => n + count, 0);
  if (total === 0) return ps.map(() => null);
  // The value at a position (from 0) in the sorted durations.
  const at = (position: number): number => {
    let seen = 0;
    for (const [bucket, count] of sorted) {
      seen += count;
      if (position < seen) return bucketSeconds(bucket);
    }
    return bucketSeconds(sorted[sorted.length - 1]![0]);
  };
  return ps.map((p) => {
    const position = p * (total - 1);
    const below = Math.floor(position);
    const low = at(below);
    return position === below ? low : low + (position - below) * (at(below + 1) - low);
  });
}

/**
 * PostgreSQL's width_bucket(duration, bounds) for ascending bounds (0 below the first, i in
 * [bounds[i-1], bounds[i]), bounds.length from the last), of the bucket's {@link bucketSeconds}: exact
 * for every bucket that lies within one bin, and for the one a bound cuts, right for the durations on
 * the side of the bucket's value (the others are within {@link ROLLUP_BOUND_MARGIN} of the bound).
 */
export function bucketBin(bucket: number, bounds: readonly number[]): number {
  const seconds = bucketSeconds(bucket);
  let bin = 0;
  while (bin < bounds.length && bounds[bin]! <= seconds) bin += 1;
  return bin;
}

import type { Sql } from '../store';

/** Observations of one histogram series that fell into one bucket. */
export interface BucketTotal {
  /** The histogram's metric name. */
  readonly metric: string;
  readonly state: string;
  /** The bucket's upper bound (Infinity for +Inf). */
  readonly le: number;
  readonly count: number;
  readonly sum: number;
}

/**
 * Adds a batch's observations to `observer`'s running totals. Rows are written in key order so that
 * two transactions of one tracker wait for each other instead of deadlocking.
 */
export async function addHistogramTotals(sql: Sql, observer: string, totals: readonly BucketTotal[]): Promise<void> {
  if (totals.length === 0) return;
  await sql.query(
    `INSERT INTO histogram_totals AS t (observer, metric, state, le, count, sum)
     SELECT $1, metric, state, le, count, sum
     FROM unnest($2::text[], $3::text[], $4::float8[], $5::int8[], $6::float8[]) AS u(metric, state, le, count, sum)
     ORDER BY metric, state, le
     ON CONFLICT (observer, metric, state, le) DO UPDATE SET count = t.count + EXCLUDED.count, sum = t.sum + EXCLUDED.sum`,
    [
      observer,
      totals.map((t) => t.metric),
      totals.map((t) => t.state),
      totals.map((t) => t.le),
      totals.map((t) => t.count),
      totals.map((t) => t.sum),
    ],
  );
}

/**
 * Everything `observer` has observed so far, per histogram series and bucket: one row per series and
 * bucket (a read of the primary key's range), whatever the number of observations.
 */
export async function histogramTotals(sql: Sql, observer: string): Promise<BucketTotal[]> {
  return sql.query<BucketTotal>(
    `SELECT metric, state, le, count::float8 AS count, sum FROM histogram_totals WHERE observer = $1 ORDER BY metric, state, le`,
    [observer],
  );
}

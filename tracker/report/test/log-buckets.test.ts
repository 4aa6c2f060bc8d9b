import { migrate, type Db } from '../../store';
import { bucketBin, bucketPercentiles, bucketSeconds, ROLLUP_BOUND_MARGIN, ROLLUP_RELATIVE_ERROR, ZERO_BUCKET } from '../log-buckets';
import { openTestPglite } from '../../test/pglite-template';

let db: Db;
beforeAll(async () => {
  db = await openTestPglite();
  await migrate(db);
});
afterAll(async () => {
  await db.close();
});

/** rollup_bucket of migration 008 for each duration, in seconds (the one definition of a bucket). */
async function bucketsOf(seconds: readonly number[]): Promise<number[]> {
  const rows = await db.query<{ bucket: number }>('SELECT rollup_bucket(rollup_micros(s)) AS bucket FROM unnest($1::float8[]) WITH ORDINALITY AS u(s, i) ORDER BY i', [seconds]);
  return rows.map((r) => r.bucket);
}

/** percentile_cont over the values themselves, as PostgreSQL computes it. */
function percentileCont(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const position = p * (sorted.length - 1);
  const below = Math.floor(position);
  return sorted[below]! + (position - below) * ((sorted[below + 1] ?? sorted[below]!) - sorted[below]!);
}

describe('the duration buckets of the report rollups', () => {
  // From a microsecond to decades, round values and values between them.
  const durations = [1e-6, 2e-6, 0.000123, 0.5, 1, 1.5, 59.999999, 60, 60.000001, 119.4, 120, 121.2, 3600, 28_800, 86_400, 604_800, 123_456_789.123456, 3e9];

  it('puts every duration in a bucket whose value is within 1 % of it (the SQL buckets, the values read here)', async () => {
    const buckets = await bucketsOf(durations);
    for (const [i, seconds] of durations.entries()) {
      expect(Math.abs(bucketSeconds(buckets[i]!) - seconds) / seconds).toBeLessThanOrEqual(ROLLUP_RELATIVE_ERROR);
    }
    // Longer durations, later buckets: the order the quantiles walk in.
    expect([...buckets].sort((a, b) => a - b)).toEqual(buckets);
  });

  it('keeps a bucket of its own, below every other, for a duration of zero', async () => {
    const [zero, microsecond] = await bucketsOf([0, 1e-6]);
    expect(zero).toBe(ZERO_BUCKET);
    expect(microsecond).toBe(-690);
    expect(bucketSeconds(ZERO_BUCKET)).toBe(0);
  });

  it('gives percentile_cont within 1 % from the bucket counts, in any order of rows', async () => {
    const values = [0, 60, 60, 120, 180, 240, 600, 7200, 7200.5, 86_400];
    const buckets = await bucketsOf(values);
    const rows = buckets.map((bucket) => ({ bucket, count: 1 }));
    const ps = [0, 0.05, 0.5, 0.9, 0.99, 1];
    const estimated = bucketPercentiles([...rows].reverse(), ps);
    for (const [i, p] of ps.entries()) {
      const exact = percentileCont(values, p);
      expect(Math.abs(estimated[i]! - exact)).toBeLessThanOrEqual(ROLLUP_RELATIVE_ERROR * exact + 1e-9);
    }
    expect(bucketPercentiles([], [0.5])).toEqual([null]);
    // Counts of one bucket given in several rows (days) add up.
    expect(bucketPercentiles([{ bucket: 10, count: 1 }, { bucket: 20, count: 1 }, { bucket: 20, count: 1 }], [0.5])).toEqual([bucketSeconds(20)]);
  });

  it('bins a bucket like width_bucket, exactly unless a bound cuts it', async () => {
    const bounds = [60, 120, 300];
    expect(bucketBin(ZERO_BUCKET, bounds)).toBe(0);
    expect((await bucketsOf([30, 90, 200, 1000])).map((bucket) => bucketBin(bucket, bounds))).toEqual([0, 1, 2, 3]);
    // 120 s exactly is in the bucket 120 cuts, whose value is above it: counted in the bin above, 0.3 % off.
    const [cut] = await bucketsOf([120]);
    expect(bucketBin(cut!, bounds)).toBe(2);
    expect((bucketSeconds(cut!) - 120) / 120).toBeLessThan(ROLLUP_BOUND_MARGIN);
  });
});

import { groupBy } from '../../common';
import { bucketBin, bucketPercentiles, bucketSeconds, type BucketCount } from './log-buckets';
import type { FinishedGroupRow, LeadTimeBinRow, OperatorLatencyRow, Percentiles, StateLatencyRow } from './queries';

/**
 * The report's rows (the shapes queries.ts returns on the exact path) from rows of duration buckets:
 * counts and means exact, percentiles within the rollups' relative error, SLA verdicts and histogram
 * bins exact but for durations near a bound (see log-buckets.ts). Pure: the same rows in any order
 * give the same report.
 */

/** Durations of one group that fell into one bucket: `count` of them, adding up to `micros`. */
export interface BucketRow extends BucketCount {
  readonly micros: number;
}

/** Stays of a state (or of an operator) in one bucket; open ones are aged until the end of the measure. */
export interface StayBucketRow extends BucketRow {
  readonly open: boolean;
}

export interface StateBucketRow extends StayBucketRow {
  readonly state: string;
}

export interface OperatorBucketRow extends StayBucketRow {
  readonly operatorId: string | null;
}

/** Finished orders of one end state, segment and UTC day (YYYY-MM-DD) whose lead time fell into one bucket. */
export interface LeadBucketRow extends BucketRow {
  readonly endState: string;
  readonly segment: string | null;
  readonly day: string;
}

/** Time in each state, as {@link StateLatencyRow}s; states without stays have no row, as on the exact path. */
export function stateRowsFromBuckets(rows: readonly StateBucketRow[], slas: ReadonlyMap<string, number>): StateLatencyRow[] {
  return [...groupBy(counted(rows), (r) => r.state)].map(([state, mine]) => {
    const stays = summarise(mine, slas.get(state) ?? null);
    return {
      state,
      stays: stays.count,
      openStays: sum(mine.filter((r) => r.open)),
      percentiles: percentiles(mine, [0.5, 0.9, 0.99]) as Percentiles,
      meanSeconds: stays.meanSeconds,
      withinSla: stays.withinSla,
      missedSla: stays.missedSla,
    };
  });
}

/** Per operator, the stays of the confirmation state, as {@link OperatorLatencyRow}s. */
export function operatorRowsFromBuckets(rows: readonly OperatorBucketRow[], slaSeconds: number | null): OperatorLatencyRow[] {
  return [...groupBy(counted(rows), (r) => r.operatorId)].map(([operatorId, mine]) => {
    const stays = summarise(mine, slaSeconds);
    return { operatorId, orders: stays.count, percentiles: percentiles(mine, [0.5, 0.9]) as [number, number], withinSla: stays.withinSla, missedSla: stays.missedSla };
  });
}

/** Lead-time percentiles per end state, per end state and segment, per end state and day (the exact path's grouping sets). */
export function finishedRowsFromBuckets(rows: readonly LeadBucketRow[]): FinishedGroupRow[] {
  const group = (by: FinishedGroupRow['by'], key: (r: LeadBucketRow) => string | null): FinishedGroupRow[] =>
    [...groupBy(counted(rows), (r) => JSON.stringify([r.endState, key(r)]))].map(([, mine]) => {
      const first = mine[0]!;
      return {
        endState: first.endState,
        by,
        segment: by === 'segment' ? first.segment : null,
        day: by === 'day' ? first.day : null,
        orders: sum(mine),
        percentiles: percentiles(mine, [0.5, 0.9, 0.99]) as Percentiles,
      };
    });
  return [...group('end', () => null), ...group('segment', (r) => r.segment), ...group('day', (r) => r.day)];
}

/** Finished orders per end state and lead-time bin of `bounds` (the exact path's width_bucket). */
export function binRowsFromBuckets(rows: readonly LeadBucketRow[], bounds: readonly number[]): LeadTimeBinRow[] {
  const bins = new Map<string, LeadTimeBinRow>();
  for (const r of counted(rows)) {
    const bin = bucketBin(r.bucket, bounds);
    const key = JSON.stringify([r.endState, bin]);
    bins.set(key, { endState: r.endState, bin, orders: (bins.get(key)?.orders ?? 0) + r.count });
  }
  return [...bins.values()];
}

/**
 * Count, mean and SLA verdicts of one group's stays: a closed stay is within its SLA when its
 * duration is at most the SLA, any stay (open ones too) missed it when longer; no verdict without an SLA.
 */
function summarise(rows: readonly StayBucketRow[], slaSeconds: number | null): { count: number; meanSeconds: number; withinSla: number; missedSla: number } {
  const count = sum(rows);
  const micros = rows.reduce((n, r) => n + r.micros, 0);
  let withinSla = 0;
  let missedSla = 0;
  if (slaSeconds !== null) {
    for (const r of rows) {
      const within = bucketSeconds(r.bucket) <= slaSeconds;
      if (within && !r.open) withinSla += r.count;
      else if (!within) missedSla += r.count;
    }
  }
  return { count, meanSeconds: micros / count / 1e6, withinSla, missedSla };
}

function percentiles(rows: readonly BucketCount[], ps: readonly number[]): number[] {
  // Every group here has durations, so every percentile is a number.
  return bucketPercentiles(rows, ps).map((p) => p!);
}

/** Rows that count something: a rollup row whose stays were all retracted is kept at zero. */
function counted<T extends BucketCount>(rows: readonly T[]): T[] {
  return rows.filter((r) => r.count > 0);
}

function sum(rows: readonly BucketCount[]): number {
  return rows.reduce((n, r) => n + r.count, 0);
}


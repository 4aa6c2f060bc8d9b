import type { ProcessModel } from '../../events';
import type { Db, Sql } from '../store';
import type { Micros } from '../timeline';
import { assembleReport, type ReportRows } from './assemble';
import { DURATION_LADDER } from './duration-ladder';
import type { Period } from './period';
import { ROLLUP_RELATIVE_ERROR } from './log-buckets';
import * as q from './queries';
import { reportStates } from './report-states';
import * as rq from './rollup-queries';
import { binRowsFromBuckets, finishedRowsFromBuckets, operatorRowsFromBuckets, stateRowsFromBuckets, type LeadBucketRow } from './rollup-rows';
import { LOST_LIST_LIMIT, SLOWEST_LIMIT, type LatencyReport, type ReportMethod, type StaysCounted } from './types';
import { cutAtWholeDays, wholeDayCount } from './whole-days';

/**
 * Settings of the report's own transaction (SET LOCAL: nothing else gets them):
 * - work_mem: percentile_cont sorts each group's durations, and the operator view sorts the stays of
 *   the confirmation state by operator; the default 4 MB spills a busy week to disk, this keeps a
 *   10-million-stay week in memory;
 * - jit off: the statements are sorts and aggregates over simple expressions, which compiled code
 *   does not speed up, while compiling costs hundreds of milliseconds per statement on a large
 *   period (measured by bench/report.ts).
 */
const REPORT_SETTINGS = ["SET LOCAL work_mem = '128MB'", 'SET LOCAL jit = off'];

/** The statement of each section of {@link ReportRows}, named for progress bars. */
type Sections = { readonly [K in keyof ReportRows]: { readonly name: string; readonly run: (sql: Sql) => Promise<ReportRows[K]> } };

export interface BuildReportOptions {
  /** The clock, in microseconds: open stays are aged until min(period end, now). */
  readonly now: Micros;
  /** Called before each statement (index from 0) and once more with index = total when all are done. */
  readonly onSection?: (index: number, total: number, name: string) => void;
  /** Count only the stays that ended in the period (default: also the ones orders are still in). */
  readonly staysCounted?: StaysCounted;
  /**
   * Compute every figure from the stays and orders of the period (exact percentiles), instead of
   * reading the whole UTC days from the rollups. Default false; a period without a whole UTC day is
   * computed exactly either way (the rollups would not save anything).
   */
  readonly exact?: boolean;
}

/**
 * The order-latency report of a period, read in one read-only, repeatable-read transaction, so that
 * every section sees the same snapshot (and a report sent to a read replica cannot write). Give it the
 * read connection (postgres.readUrl) when there is one.
 *
 * Time in state, the operators and lead time come from the report rollups for the whole UTC days of
 * the period (rollup-queries.ts: a few rows per state and day instead of every stay), unless `exact`;
 * the report says which method it used and its error bound. The slowest orders, flags and lost orders
 * are lists of orders, read from their tables either way.
 */
export async function buildLatencyReport(db: Db, model: ProcessModel, period: Period, options: BuildReportOptions): Promise<LatencyReport> {
  const roles = reportStates(model);
  const window: q.QueryWindow = { ...period, measuredUntil: Math.min(period.to, options.now) };
  const slas = new Map(model.states.flatMap((s) => (s.expectWithinSeconds === undefined ? [] : [[s.name, s.expectWithinSeconds] as const])));
  const confirmation = roles.confirmation;
  const staysCounted = options.staysCounted ?? 'closed_and_open';
  const closedOnly = staysCounted === 'closed';
  const cut = cutAtWholeDays(period);
  const method: ReportMethod = options.exact === true || wholeDayCount(cut) === 0 ? 'exact' : 'rollup';
  const modelStates = model.states.map((s) => s.name);
  const exactSections: Pick<Sections, 'states' | 'finished' | 'bins' | 'operators'> = {
    states: { name: 'time in each state', run: (sql) => q.stateLatency(sql, window, roles.terminal, slas, modelStates, closedOnly) },
    finished: { name: 'lead time by end, segment and day', run: (sql) => q.finishedOrders(sql, window, roles.terminal) },
    bins: { name: 'lead-time histogram', run: (sql) => q.leadTimeBins(sql, window, roles.terminal, DURATION_LADDER) },
    operators: {
      name: 'operators',
      run: async (sql) => (confirmation === null ? [] : q.operatorLatency(sql, window, confirmation, slas.get(confirmation) ?? null)),
    },
  };
  // Lead time and its histogram are two views of one read of the lead-time buckets.
  let leads: Promise<LeadBucketRow[]> | undefined;
  const leadRows = (sql: Sql) => (leads ??= rq.leadBuckets(sql, window, cut, roles.terminal));
  const rollupSections: typeof exactSections = {
    states: {
      name: 'time in each state (rollups)',
      run: async (sql) => stateRowsFromBuckets(await rq.stateBuckets(sql, window, cut, roles.terminal, modelStates, closedOnly), slas),
    },
    finished: { name: 'lead time by end, segment and day (rollups)', run: async (sql) => finishedRowsFromBuckets(await leadRows(sql)) },
    bins: { name: 'lead-time histogram (rollups)', run: async (sql) => binRowsFromBuckets(await leadRows(sql), DURATION_LADDER) },
    operators: {
      name: 'operators (rollups)',
      run: async (sql) => (confirmation === null ? [] : operatorRowsFromBuckets(await rq.operatorBuckets(sql, window, cut, confirmation), slas.get(confirmation) ?? null)),
    },
  };
  const sections: Sections = {
    ...(method === 'exact' ? exactSections : rollupSections),
    slowest: { name: 'slowest orders', run: (sql) => q.slowestOrders(sql, window, roles.terminal, SLOWEST_LIMIT) },
    flags: { name: 'stuck and lost counts', run: (sql) => q.flagCounts(sql, window) },
    lost: { name: 'lost orders', run: (sql) => q.lostOrders(sql, window, LOST_LIST_LIMIT) },
  };
  const keys = Object.keys(sections) as (keyof ReportRows)[];

  const rows = await db.transaction(async (tx) => {
    await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
    for (const setting of REPORT_SETTINGS) await tx.query(setting);
    const collected: Record<string, unknown> = {};
    for (const [i, key] of keys.entries()) {
      options.onSection?.(i, keys.length, sections[key].name);
      collected[key] = await sections[key].run(tx);
    }
    return collected as unknown as ReportRows;
  });
  options.onSection?.(keys.length, keys.length, 'done');
  return assembleReport(rows, {
    model,
    roles,
    window,
    generatedAt: options.now,
    staysCounted,
    binBounds: DURATION_LADDER,
    method,
    relativeError: method === 'exact' ? 0 : ROLLUP_RELATIVE_ERROR,
  });
}

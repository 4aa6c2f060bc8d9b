import { randomBytes } from 'node:crypto';
import { loadConfig } from '../common';
import { loadModelFile } from '../events';
import { createSweeper, DUE_ORDERS_SQL, formatEventTime, migrate, openPostgres, type Db, type SweepResult } from '../tracker';
import { printFigures } from './report-figures';
import { flag, UsageError } from './support/args';
import { adminQuery, withDatabase } from './support/database';
import { makeDue, seedOpenOrders } from './support/seed-orders';
import { pause } from './support/pause';

/** The arguments it takes, for `npm run bench -- detection --help` and for a wrong argument. */
export const usage = 'detection [--open N] [--due D]';

/**
 * `npm run bench -- detection` (its arguments: `usage` below): the lost-order sweeper with 1,000,000 open
 * orders, 1,000 of them due at the same instant, beside the same run with only the 1,000 due ones
 * open. For each: the time from the deadline to the orders flagged (committed), the cost of the
 * sweep that flagged them and of a sweep with nothing due, and what the due-orders statement reads
 * (EXPLAIN ANALYZE: rows from the deadline index and buffers). The point: the cost follows the
 * orders due, not the orders open.
 *
 * The sweeper runs as in production (createSweeper, every tracker.sweepIntervalMs, batches of 1000)
 * on its own PostgreSQL database (postgres.url's server), created, filled with generate_series and
 * dropped by the bench. The due orders are made due five times over; the figures are medians.
 */
export async function run(args: string[]): Promise<void> {
  const open = flag(args, '--open', 1_000_000);
  const due = flag(args, '--due', 1000);
  if (due > open) throw new UsageError(`--due (${due}) must not exceed --open (${open})`);
  const config = loadConfig();
  console.log(`detection bench: ${due.toLocaleString('en-US')} due among ${open.toLocaleString('en-US')} open orders, beside ${due.toLocaleString('en-US')} among ${due.toLocaleString('en-US')}; sweep every ${config.tracker.sweepIntervalMs} ms`);
  const many = await measure(config, open, due);
  const few = await measure(config, due, due);
  const label = (n: number) => `${n.toLocaleString('en-US')} open`;
  printFigures(
    `detection: ${due.toLocaleString('en-US')} orders due at once (medians of ${ROUNDS} rounds)`,
    [
      ...[many, few].flatMap((m) => [
        { label: `${label(m.open)}: deadline -> flagged (committed)`, value: m.flaggedAfterMs, unit: 'ms' },
        { label: `${label(m.open)}: sweep that flagged them`, value: m.busySweepMs, unit: `ms (${m.busyBatches} batch(es))` },
        { label: `${label(m.open)}: sweep with nothing due (median)`, value: m.idleSweepMs, unit: 'ms' },
        { label: `${label(m.open)}: due-orders statement`, value: m.explain.ms, unit: `ms, ${m.explain.rows} rows from ${m.explain.index}, ${m.explain.buffers} buffers` },
      ]),
    ],
    { label: `sweep cost ${label(many.open)} / ${label(few.open)}`, value: many.busySweepMs / few.busySweepMs },
  );
}

interface Measurement {
  readonly open: number;
  readonly flaggedAfterMs: number;
  readonly busySweepMs: number;
  readonly busyBatches: number;
  readonly idleSweepMs: number;
  readonly explain: { ms: number; rows: number; buffers: number; index: string };
}

/** Times the due orders are made due again, each time a little after the sweeper's last sweep: figures are medians. */
const ROUNDS = 5;
/** How long after it is set a round's deadline falls: the sweeper meanwhile sweeps with nothing due. */
const LEAD_MS = 1500;

async function measure(config: ReturnType<typeof loadConfig>, open: number, due: number): Promise<Measurement> {
  const model = loadModelFile();
  const database = `orderscope_bench_detection_${randomBytes(4).toString('hex')}`;
  const adminUrl = withDatabase(config.postgres.url, 'postgres');
  await adminQuery(adminUrl, `CREATE DATABASE ${database}`);
  const db = openPostgres({ url: withDatabase(config.postgres.url, database) });
  try {
    await migrate(db);
    const seeded = { count: open, model, state: 'quote_requested' };
    const seedStart = Date.now();
    // quote_requested's SLA is 5 min: none of these falls due during the run but those made due.
    await seedOpenOrders(db, { ...seeded, from: Date.now() * 1000 });
    console.log(`  ${open.toLocaleString('en-US')} open orders inserted and vacuumed in ${((Date.now() - seedStart) / 1000).toFixed(1)} s (database ${database})`);

    const sweeps: SweepResult[] = [];
    const sweeper = createSweeper({ db, model, intervalMs: config.tracker.sweepIntervalMs, onSweep: (r) => sweeps.push(r), onError: (err) => console.error(err) });
    sweeper.start();
    const rounds: Omit<Measurement, 'open' | 'idleSweepMs'>[] = [];
    try {
      for (let round = 0; round < ROUNDS; round++) {
        const dueAt = (Date.now() + LEAD_MS) * 1000;
        // The same orders each round, open again: in the 1,000,000 they are the first ones inserted.
        await makeDue(db, { ...seeded, count: due, at: dueAt });
        const explain = await explainDue(db, dueAt);
        const from = sweeps.length;
        const deadline = Date.now() + 60_000;
        while (sweeps.slice(from).reduce((n, s) => n + s.changes.length, 0) < due) {
          if (Date.now() > deadline) throw new Error(`the sweeper did not flag the ${due} due orders within 60 s`);
          await pause(20);
        }
        const busy = sweeps.slice(from).filter((s) => s.changes.length > 0);
        const last = busy[busy.length - 1]!;
        rounds.push({
          // The sweep that flagged the last of them started at `last.at` and committed `seconds` later.
          flaggedAfterMs: (last.at - dueAt) / 1000 + last.seconds * 1000,
          busySweepMs: busy.reduce((ms, s) => ms + s.seconds * 1000, 0),
          busyBatches: busy.reduce((n, s) => n + s.batches, 0),
          explain,
        });
      }
    } finally {
      await sweeper.close();
    }
    const mid = <T>(values: T[], key: (v: T) => number) => median(values.map(key));
    return {
      open,
      flaggedAfterMs: mid(rounds, (r) => r.flaggedAfterMs),
      busySweepMs: mid(rounds, (r) => r.busySweepMs),
      busyBatches: mid(rounds, (r) => r.busyBatches),
      idleSweepMs: median(sweeps.filter((s) => s.due === 0).map((s) => s.seconds * 1000)),
      explain: { ...rounds[0]!.explain, ms: mid(rounds, (r) => r.explain.ms), buffers: mid(rounds, (r) => r.explain.buffers) },
    };
  } finally {
    await db.close();
    await adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  }
}

type PlanNode = Record<string, unknown> & { Plans?: PlanNode[] };

/** EXPLAIN (ANALYZE, BUFFERS) of the sweeper's statement at `at`, in a transaction that changes nothing. */
async function explainDue(db: Db, at: number): Promise<Measurement['explain']> {
  return db.transaction(async (tx) => {
    await tx.query('SET LOCAL enable_seqscan = off');
    const [row] = await tx.query<{ 'QUERY PLAN': [{ Plan: PlanNode; 'Execution Time': number }] }>(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${DUE_ORDERS_SQL}`, [formatEventTime(at), 1000]);
    const { Plan: plan, 'Execution Time': ms } = row!['QUERY PLAN'][0];
    const scan = find(plan, (n) => n['Relation Name'] === 'orders');
    return {
      ms,
      rows: Number(scan?.['Actual Rows'] ?? NaN),
      buffers: Number(plan['Shared Hit Blocks'] ?? 0) + Number(plan['Shared Read Blocks'] ?? 0),
      index: String(scan?.['Index Name'] ?? scan?.['Node Type'] ?? '?'),
    };
  });
}

function find(node: PlanNode, match: (n: PlanNode) => boolean): PlanNode | undefined {
  if (match(node)) return node;
  for (const child of node.Plans ?? []) {
    const found = find(child, match);
    if (found) return found;
  }
  return undefined;
}

function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

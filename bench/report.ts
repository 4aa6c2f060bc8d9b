import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { loadConfig } from '../common';
import { DEFAULT_MODEL_PATH, loadModelFile } from '../events';
import { buildLatencyReport, migrate, openPostgres, rebuildReportRollups, writerConnectionOptions, type LatencyReport } from '../tracker';
import { printFigures } from './report-figures';
import { flag } from './support/args';
import { adminQuery, withDatabase } from './support/database';

/** The arguments it takes, for `npm run bench -- report --help` and for a wrong argument. */
export const usage = 'report [--stays N] [--runs R] [--keep]';

/**
 * `npm run bench -- report` (its arguments: `usage` below): the order-latency report of one week holding N closed
 * stays (default 10,000,000) in real PostgreSQL, beside the plainest read of the same rows in the same
 * run: `SELECT count(*) FROM stays` over the week. The report as it is asked for by default (whole
 * days from the rollups of migration 008) and with exact=true (every stay). Prints the three times
 * (the median of R runs each, after a warm-up), the ratio of each report to count(*), and the time of
 * each section of both reports; checks that both count every stay of the week, and the largest
 * relative difference of the rollups' percentiles from the exact ones.
 *
 * The data is what a busy pipeline leaves in a week: orders of 8 closed stays each (the default model's
 * main path up to shipped), most shipped, some cancelled, some still in flight, a few stuck and lost,
 * with per-state durations spread around their SLAs. It is filled with `INSERT ... SELECT
 * generate_series`, indexes built after the fill, the rollups filled by migration 008's backfill
 * (the stays never went through apply), into a database of its own (created on postgres.url's
 * server, dropped at the end; `--keep` keeps it, to look at the plans).
 */
export async function run(args: string[]): Promise<void> {
  const stays = flag(args, '--stays', 10_000_000);
  const runs = flag(args, '--runs', 3);
  const keep = args.includes('--keep');
  const config = loadConfig();
  const database = `orderscope_bench_report_${randomBytes(4).toString('hex')}`;
  const adminUrl = withDatabase(config.postgres.url, 'postgres');
  const benchUrl = withDatabase(config.postgres.url, database);
  const model = loadModelFile(DEFAULT_MODEL_PATH);
  // A week that ended before now, so open stays are aged to its end, as in a report of last week.
  const weekStart = Date.UTC(2026, 0, 5); // a Monday
  const period = { from: weekStart * 1000, to: (weekStart + 7 * 86_400_000) * 1000 };
  console.log(`report bench: ${stays.toLocaleString('en-US')} stays in one week; database ${database}`);

  await adminQuery(adminUrl, `CREATE DATABASE ${database}`);
  const db = openPostgres({ url: benchUrl, poolSize: 2 });
  try {
    await migrate(db);
    const fillSeconds = await timed(() => fill(benchUrl, stays, new Date(weekStart).toISOString()));
    console.log(`  filled and indexed in ${fillSeconds.toFixed(1)} s (setup, not measured against)`);
    // The stays never went through apply: the rollups are filled by migration 008's backfill, as an
    // installation upgraded with these rows gets them.
    const backfillSeconds = await timed(async () => {
      await rebuildReportRollups(db);
      await db.query('VACUUM ANALYZE stay_rollups');
      await db.query('VACUUM ANALYZE order_rollups');
    });
    const [rollupRows] = await db.query<{ stays: number; orders: number }>('SELECT (SELECT count(*) FROM stay_rollups)::float8 AS stays, (SELECT count(*) FROM order_rollups)::float8 AS orders');
    console.log(`  rollups backfilled in ${backfillSeconds.toFixed(1)} s: ${rollupRows!.stays.toLocaleString('en-US')} stay rows, ${rollupRows!.orders.toLocaleString('en-US')} order rows`);

    const count = async () => {
      const rows = await db.query<{ n: number }>('SELECT count(*)::float8 AS n FROM stays WHERE left_at >= $1 AND left_at < $2', [
        new Date(period.from / 1000).toISOString(),
        new Date(period.to / 1000).toISOString(),
      ]);
      if (rows[0]?.n !== stays) throw new Error(`expected ${stays} stays in the week, counted ${rows[0]?.n}`);
    };
    const sections: Record<'rollup' | 'exact', { name: string; seconds: number }[]> = { rollup: [], exact: [] };
    const reports: Partial<Record<'rollup' | 'exact', LatencyReport>> = {};
    const report = (method: 'rollup' | 'exact') => async () => {
      const marks: { name: string; at: bigint }[] = [];
      const result = await buildLatencyReport(db, model, period, {
        now: Date.now() * 1000,
        exact: method === 'exact',
        onSection: (_i, _total, name) => marks.push({ name, at: process.hrtime.bigint() }),
      });
      sections[method] = marks.slice(0, -1).map((m, i) => ({ name: m.name, seconds: Number(marks[i + 1]!.at - m.at) / 1e9 }));
      if (result.method !== method) throw new Error(`asked for the ${method} report, got ${result.method}`);
      const judged = result.states.reduce((n, s) => n + s.stays - s.openStays, 0);
      if (judged !== stays) throw new Error(`the ${method} report counted ${judged} closed stays, the week has ${stays}`);
      reports[method] = result;
    };

    await count();
    await report('rollup')();
    await report('exact')();
    const countSeconds = median(await repeat(runs, count));
    const reportSeconds = median(await repeat(runs, report('rollup')));
    const exactSeconds = median(await repeat(runs, report('exact')));
    printFigures(
      `report: one week, ${stays.toLocaleString('en-US')} closed stays, ${Math.ceil(stays / STAYS_PER_ORDER).toLocaleString('en-US')} orders (median of ${runs} runs)`,
      [
        { label: 'latency report, all sections (rollups, the default)', value: reportSeconds, unit: 's' },
        { label: 'latency report, all sections (exact=true)', value: exactSeconds, unit: 's' },
        { label: 'baseline, SELECT count(*) of the same stays', value: countSeconds, unit: 's' },
        { label: 'exact report / count(*)', value: exactSeconds / countSeconds, unit: '' },
        { label: 'rollup report / exact report', value: reportSeconds / exactSeconds, unit: '' },
        { label: 'largest relative error of a percentile (rollups vs exact)', value: 100 * largestPercentileError(reports.rollup!, reports.exact!), unit: '%' },
        { label: 'report throughput (rollups)', value: stays / reportSeconds, unit: 'stays/s' },
        ...sections.rollup.map((s) => ({ label: `  section: ${s.name}`, value: s.seconds, unit: 's' })),
        ...sections.exact.map((s) => ({ label: `  section: ${s.name} (exact)`, value: s.seconds, unit: 's' })),
      ],
      { label: 'report / count(*)', value: reportSeconds / countSeconds },
    );
  } finally {
    await db.close();
    if (keep) console.log(`  kept the database: psql ${benchUrl}`);
    else await adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  }
}

/** The main path's states before shipped: each order has one closed stay in each. */
const PATH = ['placed', 'quote_requested', 'pricing', 'quoted', 'assigned', 'confirmed', 'in_production', 'produced'];
const STAYS_PER_ORDER = PATH.length;
/** Each stay starts this long after the previous one started; durations stay below it. */
const SLOT_SECONDS = 6 * 3600;

/**
 * Fills the week: `stays` closed stays over ceil(stays / 8) orders, then the orders, then some status
 * changes, then the indexes (dropped for the fill: building them once is minutes faster than keeping
 * them up to date row by row), then ANALYZE and VACUUM (statistics and the visibility map, as
 * autovacuum would leave them).
 */
async function fill(url: string, stays: number, weekStart: string): Promise<void> {
  // A writer of stays and orders announces the schema it knows (migration 008 refuses older ones).
  const client = new Client({ connectionString: url, options: writerConnectionOptions() });
  await client.connect();
  try {
    await client.query(`SET maintenance_work_mem = '512MB'`);
    const rebuildIndexes = await dropIndexes(client, 'stays');
    const orders = Math.ceil(stays / STAYS_PER_ORDER);
    // Orders start evenly over the first 5 days, so that all their stays end within the week.
    const start = `$1::timestamptz + (o * (5 * 86400.0 / ${orders})) * interval '1 second'`;
    await client.query(
      `INSERT INTO stays (order_id, seq_no, state, system, entered_at, left_at, duration_seconds, entered_event_id)
       SELECT 'b-' || lpad(o::text, 9, '0'), s, (ARRAY['${PATH.join("','")}'])[s + 1], (ARRAY['shop','shop','mes','mes','crm','crm','mes','mes'])[s + 1],
              ${start} + s * interval '${SLOT_SECONDS} seconds',
              ${start} + s * interval '${SLOT_SECONDS} seconds' + d * interval '1 second',
              d, gen_random_uuid()
       FROM (SELECT i / ${STAYS_PER_ORDER} AS o, i % ${STAYS_PER_ORDER} AS s,
                    -- skewed like real waiting times: most short, a long tail up to the slot
                    round((power(random(), 3) * ${SLOT_SECONDS - 1})::numeric, 6)::float8 AS d
             FROM generate_series(0, $2::bigint - 1) AS i) g`,
      [weekStart, stays],
    );
    await client.query(
      `INSERT INTO orders (order_id, state, state_since, system, stay_count, status, first_event_at, last_event_at, last_event_seq, segment, operator_id, event_count)
       SELECT 'b-' || lpad(o::text, 9, '0'),
              CASE WHEN o % 20 = 0 THEN 'cancelled' WHEN o % 20 = 1 THEN 'assigned' ELSE 'shipped' END,
              -- finished some time during the last slot: lead times spread like the stays
              ${start} + (${STAYS_PER_ORDER - 1} + random()) * interval '${SLOT_SECONDS} seconds',
              CASE WHEN o % 20 = 1 THEN 'crm' ELSE 'mes' END,
              ${STAYS_PER_ORDER + 1},
              CASE WHEN o % 20 = 0 THEN 'done' WHEN o % 100 = 1 THEN 'lost' WHEN o % 20 = 1 THEN 'stuck' ELSE 'done' END,
              ${start}, ${start} + ${STAYS_PER_ORDER} * interval '${SLOT_SECONDS} seconds', ${STAYS_PER_ORDER},
              CASE WHEN o % 3 = 0 THEN 'b2b' ELSE 'b2c' END, 'op-' || (o % 7 + o % 3), ${STAYS_PER_ORDER + 1}
       FROM generate_series(0, $2::bigint - 1) AS o`,
      [weekStart, orders],
    );
    await client.query(
      `INSERT INTO status_changes (order_id, from_status, to_status, state, reason, handoff_to, deadline_at, at)
       SELECT order_id, 'open', 'stuck', state, 'expect_within', NULL, state_since + interval '8 hours', state_since + interval '8 hours 1 second'
       FROM orders WHERE status IN ('stuck', 'lost')
       UNION ALL
       SELECT order_id, 'stuck', 'lost', state, 'lost_after', NULL, state_since + interval '1 day', state_since + interval '1 day 1 second'
       FROM orders WHERE status = 'lost'`,
    );
    await rebuildIndexes();
    for (const table of ['stays', 'orders', 'status_changes']) await client.query(`VACUUM ANALYZE ${table}`);
  } finally {
    await client.end();
  }
}

/**
 * Drops the indexes of `table` (its primary key too) and returns what builds them again, from their
 * definitions in the catalog: exactly what the migrations made, without writing it down twice.
 */
async function dropIndexes(client: Client, table: string): Promise<() => Promise<void>> {
  const { rows } = await client.query<{ name: string; indexdef: string; constraintdef: string | null }>(
    `SELECT i.indexname AS name, i.indexdef, pg_get_constraintdef(c.oid) AS constraintdef
     FROM pg_indexes i LEFT JOIN pg_constraint c ON c.conname = i.indexname AND c.conrelid = $1::text::regclass
     WHERE i.schemaname = current_schema() AND i.tablename = $1::text`,
    [table],
  );
  for (const r of rows) await client.query(r.constraintdef ? `ALTER TABLE ${table} DROP CONSTRAINT ${r.name}` : `DROP INDEX ${r.name}`);
  return async () => {
    for (const r of rows) await client.query(r.constraintdef ? `ALTER TABLE ${table} ADD CONSTRAINT ${r.name} ${r.constraintdef}` : r.indexdef);
  };
}

/**
 * The largest |rollup - exact| / exact over the percentiles both reports give (time in state, lead
 * time, operators): what the rollups' stated relative error bounds.
 */
function largestPercentileError(rollup: LatencyReport, exact: LatencyReport): number {
  const values = (r: LatencyReport) => [
    ...r.states.flatMap((s) => [s.p50Seconds, s.p90Seconds, s.p99Seconds]),
    ...r.leadTime.byEnd.flatMap((e) => [e.p50Seconds, e.p90Seconds, e.p99Seconds]),
    ...r.operators.rows.flatMap((o) => [o.timeToConfirmP50Seconds, o.timeToConfirmP90Seconds]),
  ];
  const [a, b] = [values(rollup), values(exact)];
  if (a.length !== b.length) throw new Error(`the rollup report has ${a.length} percentiles, the exact one ${b.length}`);
  return a.reduce((worst: number, value, i) => (value === null || !b[i] ? worst : Math.max(worst, Math.abs(value - b[i]) / b[i])), 0);
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const begin = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - begin) / 1e9;
}

async function repeat(times: number, fn: () => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < times; i++) out.push(await timed(fn));
  return out;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

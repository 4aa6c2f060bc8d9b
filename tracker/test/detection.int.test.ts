import { InProcessBus } from '../../bus';
import { loadConfig } from '../../common';
import { DEMO_MODEL_PATH, loadModelFile } from '../../events';
import { Registry } from 'prom-client';
import { makeDue, seedOpenOrders } from '../../bench/support/seed-orders';
import { TRACKER_METRICS } from '../metric-names';
import { DUE_ORDERS_SQL, migrate, openPostgres, type Db } from '../store';
import { createTracker, type Tracker } from '../tracker';
import { metricValue } from './fixtures';
import { createTestDatabase } from './postgres';

/*
 * The lost-order sweeper on a real PostgreSQL: two trackers sweeping one database at the same time
 * flag each due order exactly once, and the due-orders statement walks the deadline index.
 */

const demo = loadModelFile(DEMO_MODEL_PATH);
const T0 = Date.UTC(2026, 10, 26, 12, 0, 0);
const config = loadConfig({ env: {}, overrides: { tracker: { sweepIntervalMs: 3_600_000 } } });
const cleanup: (() => Promise<void>)[] = [];

afterAll(async () => {
  for (const step of cleanup.reverse()) await step();
});

async function freshStore(): Promise<Db & { url: string }> {
  const database = await createTestDatabase();
  cleanup.push(database.drop);
  const db = openPostgres({ url: database.url, poolSize: 4 });
  cleanup.push(() => db.close());
  await migrate(db);
  return Object.assign(db, { url: database.url });
}

async function trackerOn(db: Db, instance: string, now: () => number): Promise<{ tracker: Tracker; registry: Registry }> {
  const registry = new Registry();
  const bus = new InProcessBus();
  const tracker = await createTracker({ config, model: demo, source: bus, store: db, registry, instance, now });
  await tracker.start();
  cleanup.push(async () => {
    await bus.close();
    await tracker.close();
  });
  return { tracker, registry };
}

describe('the lost-order sweeper on PostgreSQL', () => {
  it('two trackers sweeping the same database at once flag each due order exactly once', async () => {
    const dbA = await freshStore();
    // A second connection pool on the same database, as a second tracker process has.
    const dbB = openPostgres({ url: dbA.url, poolSize: 4 });
    cleanup.push(() => dbB.close());
    const orders = 6000;
    // All of them entered quote_requested at T0: stuck at T0 + 5 s, lost (handoff missed) at T0 + 10 s.
    const seeded = { count: orders, model: demo, state: 'quote_requested' };
    await seedOpenOrders(dbA, { ...seeded, from: T0 * 1000 });
    await makeDue(dbA, { ...seeded, at: (T0 + 5000) * 1000 });

    let clock = T0;
    const a = await trackerOn(dbA, 'tracker-a', () => clock);
    const b = await trackerOn(dbB, 'tracker-b', () => clock);

    for (const [at, status] of [[T0 + 6000, 'stuck'], [T0 + 11_000, 'lost']] as const) {
      clock = at;
      // Each tracker sweeps twice: its second sweep runs while the other's first may still hold rows.
      await Promise.all([a.tracker.sweep(), b.tracker.sweep(), a.tracker.sweep(), b.tracker.sweep()]);
      const counts = await dbA.query<{ to_status: string; changes: number; orders: number }>(
        `SELECT to_status, count(*)::int AS changes, count(DISTINCT order_id)::int AS orders FROM status_changes WHERE to_status = $1 GROUP BY to_status`,
        [status],
      );
      expect(counts).toEqual([{ to_status: status, changes: orders, orders }]);
      expect(await dbA.query(`SELECT status, count(*)::int AS n FROM orders GROUP BY status`)).toEqual([{ status, n: orders }]);
    }
    const lost = async (r: Registry) => metricValue(r, TRACKER_METRICS.ordersLost.name, { state: 'quote_requested', reason: 'handoff_missed' });
    const [byA, byB] = [await lost(a.registry), await lost(b.registry)];
    expect(byA + byB).toBe(orders);
    // Both took part (each counts the orders its own sweeper declared lost).
    expect([byA > 0, byB > 0]).toEqual([true, true]);
    // Each order: one stuck, one lost, nothing twice.
    expect(await dbA.query(`SELECT count(*)::int AS n FROM (SELECT order_id FROM status_changes GROUP BY order_id HAVING count(*) <> 2) x`)).toEqual([{ n: 0 }]);
  });

  it('reads only the due orders through the deadline index, however many are open', async () => {
    const db = await freshStore();
    // 50,000 open orders; the first 100 due at dueAt, the others from T0 + 5 s on.
    const dueAt = (T0 + 4000) * 1000;
    const seeded = { count: 50_000, model: demo, state: 'quote_requested' };
    await seedOpenOrders(db, { ...seeded, from: T0 * 1000 });
    await makeDue(db, { ...seeded, count: 100, at: dueAt });
    const plan = await db.transaction(async (tx) => {
      // As the sweeper runs it (see sweeper.ts), and without the hint: the planner picks the index either way.
      const forced = await explain(tx, dueAt);
      await tx.query('SET LOCAL enable_seqscan = on');
      return { forced, free: await explain(tx, dueAt) };
    });
    for (const p of [plan.forced, plan.free]) {
      const scan = findNode(p, (n) => n['Relation Name'] === 'orders')!;
      expect([scan['Node Type'], scan['Index Name']]).toEqual(['Index Scan', 'orders_deadline']);
      // The 100 due rows, not the 50,000 open ones.
      expect(scan['Actual Rows']).toBe(100);
    }
  });
});

type PlanNode = Record<string, unknown> & { Plans?: PlanNode[] };

async function explain(sql: Pick<Db, 'query'>, now: number): Promise<PlanNode> {
  const [row] = await sql.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(`EXPLAIN (ANALYZE, FORMAT JSON) ${DUE_ORDERS_SQL}`, [new Date(now / 1000).toISOString(), 1000]);
  return row!['QUERY PLAN'][0].Plan;
}

function findNode(node: PlanNode, match: (n: PlanNode) => boolean): PlanNode | undefined {
  if (match(node)) return node;
  for (const child of node.Plans ?? []) {
    const found = findNode(child, match);
    if (found) return found;
  }
  return undefined;
}

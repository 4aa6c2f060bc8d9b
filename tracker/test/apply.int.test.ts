import { ConfigError } from '../../common';
import type { OrderEvent } from '../../events';
import { applyBatch, type ApplyOutcome } from '../apply';
import { rollupDrift } from '../rollups';
import { migrate, openPostgres, readMigrations, type Db } from '../store';
import { journey, model, random, shuffled, storeSnapshot } from './fixtures';
import { createTestDatabase } from './postgres';

const T0 = Date.UTC(2026, 10, 26, 8, 0, 0);
const dropAfterAll: (() => Promise<void>)[] = [];
const closeAfterAll: Db[] = [];

async function freshStore(poolSize = 4): Promise<Db> {
  const database = await createTestDatabase();
  dropAfterAll.push(database.drop);
  const db = openPostgres({ url: database.url, poolSize });
  closeAfterAll.push(db);
  await migrate(db);
  return db;
}

afterAll(async () => {
  await Promise.all(closeAfterAll.map((db) => db.close()));
  for (const drop of dropAfterAll) await drop();
});

/** Net histogram changes per series: what observed minus retracted says, as counts per state. */
function netCounts(outcomes: readonly ApplyOutcome[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of outcomes.flatMap((o) => o.histogramChanges)) {
    const key = `${c.histogram}:${c.state}`;
    out[key] = (out[key] ?? 0) + (c.retracted ? -1 : 1);
  }
  return Object.fromEntries(Object.entries(out).filter(([, n]) => n !== 0).sort());
}

describe('applying batches on PostgreSQL', () => {
  it('two trackers migrating the same new database at once apply each migration once', async () => {
    const database = await createTestDatabase();
    dropAfterAll.push(database.drop);
    const a = openPostgres({ url: database.url });
    const b = openPostgres({ url: database.url });
    closeAfterAll.push(a, b);
    const results = await Promise.all([migrate(a), migrate(b)]);
    const migrations = readMigrations();
    expect(results.map((r) => r.applied).flat().sort()).toEqual(migrations.map((m) => m.name));
    expect(await a.query('SELECT version FROM schema_migrations ORDER BY version')).toEqual(migrations.map((m) => ({ version: m.version })));
  });

  it('batches touching the same orders in parallel transactions give what applying them one after the other gives', async () => {
    const rnd = random(7);
    const orders = Array.from({ length: 300 }, (_, i) => journey(`c-${i}`, T0 + i * 1000, 10, rnd));
    // Each order's events are split over four batches, each batch touches every order, in its own order.
    const batches: OrderEvent[][] = [[], [], [], []];
    for (const events of orders) for (const e of events) batches[Math.floor(rnd() * 4)]!.push(e);
    const concurrent = await freshStore(8);
    const sequential = await freshStore(2);

    const outcomes = await Promise.all(batches.map((batch) => applyBatch(concurrent, model, shuffled(batch, rnd), 'tracker-a')));
    const reference: ApplyOutcome[] = [];
    for (const batch of batches) reference.push(await applyBatch(sequential, model, batch, 'tracker-b'));

    expect(await storeSnapshot(concurrent)).toEqual(await storeSnapshot(sequential));
    expect(outcomes.reduce((n, o) => n + o.applied, 0)).toBe(3000);
    // Observed minus retracted equals the stored closed stays, however the transactions interleaved.
    expect(netCounts(outcomes)).toEqual(netCounts(reference));
    const closed = await concurrent.query<{ n: number }>('SELECT count(*)::int AS n FROM stays WHERE left_at IS NOT NULL');
    const netStays = Object.entries(netCounts(outcomes)).filter(([k]) => k.startsWith('state_duration:')).reduce((n, [, c]) => n + c, 0);
    expect(netStays).toBe(closed[0]!.n);
    // ... and so do the instance's running totals in the store.
    const totals = await concurrent.query<{ n: number }>(
      `SELECT (sum(count) FILTER (WHERE metric = 'orderscope_order_state_duration_seconds') - coalesce(sum(count) FILTER (WHERE metric = 'orderscope_order_state_duration_retracted_seconds'), 0))::int AS n
       FROM histogram_totals WHERE observer = 'tracker-a'`,
    );
    expect(totals[0]!.n).toBe(closed[0]!.n);
    // The report rollups, whose rows the concurrent batches share, equal a rebuild from the stays and orders.
    expect(await rollupDrift(concurrent)).toEqual([]);
    expect(await rollupDrift(sequential)).toEqual([]);
  });

  it('a batch delivered again after it committed, even while it is being applied, changes nothing', async () => {
    const db = await freshStore();
    const batch = Array.from({ length: 50 }, (_, i) => journey(`r-${i}`, T0, 9, random(i))).flat();
    const first = await applyBatch(db, model, batch, 'tracker-a');
    const snapshot = await storeSnapshot(db);
    const again = await Promise.all([applyBatch(db, model, batch, 'tracker-a'), applyBatch(db, model, shuffled(batch, random(3)), 'tracker-a')]);
    expect(first.applied).toBe(450);
    expect(again.map((o) => [o.applied, o.duplicates, o.ordersExtended + o.ordersRebuilt, o.histogramChanges.length])).toEqual([
      [0, 450, 0, 0],
      [0, 450, 0, 0],
    ]);
    expect(await storeSnapshot(db)).toEqual(snapshot);
  });

  it('says how to create a database that does not exist', async () => {
    const db = openPostgres({ url: 'postgres://postgres@127.0.0.1:5432/orderscope_does_not_exist' });
    closeAfterAll.push(db);
    const error = await migrate(db).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain('create it with: createdb orderscope_does_not_exist');
  });
});

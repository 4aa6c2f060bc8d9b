import { Client } from 'pg';
import { ConfigError, isTransientPgError } from '../../common';
import type { OrderEvent } from '../../events';
import { applyBatch, type ApplyOutcome } from '../apply';
import { rollupDrift } from '../rollups';
import { ConcurrentOrderCreation, lockPositions, migrate, openPostgres, readMigrations, savePositions, type Db, type PositionWrite } from '../store';
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

  it('a transaction that finds an order missing, then meets the row another one created meanwhile, is told to run again', async () => {
    const db = await freshStore();
    const write = (state: string): PositionWrite => ({
      orderId: 'n-1',
      status: 'open',
      nextDeadlineAt: null,
      clockSource: null,
      position: {
        current: { seqNo: 0, state, system: 'shop', enteredAt: T0 * 1000, leftAt: null, durationSeconds: null, enteredEventId: '00000000-0000-4000-8000-000000000001' },
        lastEvent: { occurredAt: T0 * 1000, seq: 0, eventId: '00000000-0000-4000-8000-000000000001' },
        firstEventAt: T0 * 1000,
        eventCount: 1,
        violationCount: 0,
        segment: null,
        operatorId: null,
      },
    });
    let firstInserted!: () => void;
    const inserted = new Promise<void>((resolve) => (firstInserted = resolve));
    let secondLocked!: () => void;
    const locked = new Promise<void>((resolve) => (secondLocked = resolve));
    const first = db.transaction(async (tx) => {
      await savePositions(tx, [write('placed')], (await lockPositions(tx, ['n-1'])).existing);
      firstInserted();
      await locked; // commits only once the second has looked and found nothing
    });
    const second = db.transaction(async (tx) => {
      await inserted;
      const found = await lockPositions(tx, ['n-1']);
      secondLocked();
      expect(found.existing.size).toBe(0); // the first one's row is not committed yet
      await savePositions(tx, [write('cancelled')], found.existing); // waits for the first one's commit
    });
    await first;
    await expect(second).rejects.toBeInstanceOf(ConcurrentOrderCreation);
    // Run again, it finds the row, locks it and builds on it.
    const again = await db.transaction(async (tx) => {
      const found = await lockPositions(tx, ['n-1']);
      await savePositions(tx, [write('cancelled')], found.existing);
      return found.positions.get('n-1')?.position.current.state;
    });
    expect(again).toBe('placed');
    expect(await db.query('SELECT state FROM orders')).toEqual([{ state: 'cancelled' }]);
  });

  it('refuses writes of stays and orders from code older than the report rollups, with an error such code retries', async () => {
    const database = await createTestDatabase();
    dropAfterAll.push(database.drop);
    const db = openPostgres({ url: database.url });
    closeAfterAll.push(db);
    await migrate(db);
    // A tracker that predates migration 008 announces no writer schema: what it would write is refused.
    const old = new Client({ connectionString: database.url });
    await old.connect();
    try {
      // One after another: a client given a statement while it runs one queues it, which pg 9 will refuse.
      const refusals: unknown[] = [];
      for (const statement of [`INSERT INTO orders (order_id) VALUES ('o-1')`, `UPDATE orders SET status = 'lost'`, `DELETE FROM stays`]) {
        refusals.push(await old.query(statement).then(() => undefined, (err: unknown) => err));
      }
      for (const err of refusals) {
        expect(err).toMatchObject({ code: '57P03', message: expect.stringMatching(/^this process predates migration 008 \(report rollups\) and may not write (orders|stays); upgrade it/) as unknown });
        expect(isTransientPgError(err)).toBe(true); // its batches stay on the bus: nothing set aside, nothing lost
      }
      // Reading is not writing.
      expect(await old.query('SELECT count(*)::int AS n FROM orders').then((r) => r.rows)).toEqual([{ n: 0 }]);
    } finally {
      await old.end();
    }
    // The store of this code announces its schema on every connection.
    await applyBatch(db, model, journey('w-1', T0, 4, random(1)), 'tracker-a');
    expect(await db.query('SELECT count(*)::int AS n FROM stays')).toEqual([{ n: 3 }]);
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

import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { checkRoundTrip } from '../test/event-round-trip';
import { poisonReason } from './db-errors';
import { migrate } from './migrate';
import { openPgliteThread } from './pglite-thread-db';
import type { Db } from './db';

describe('PGlite in a thread of its own', () => {
  let db: Db;
  beforeAll(async () => {
    db = await openPgliteThread();
    await migrate(db);
  });
  afterAll(() => db.close());

  it('stores and reads back identically every event the contract accepts (property, 5 batches of 20 events)', async () => {
    await checkRoundTrip(db, { runs: 5, batchSize: 20 });
  });

  it('passes parameters and values of every kind the store uses across the thread', async () => {
    const [row] = await db.query<{ t: Date; j: unknown; b: Uint8Array; a: number[]; n: null; s: string }>(
      `SELECT $1::timestamptz AS t, $2::jsonb AS j, $3::bytea AS b, $4::float8[] AS a, NULL AS n, $5::text AS s`,
      ['2026-11-26T10:00:00.123456Z', JSON.stringify({ k: [1, 'x'] }), Buffer.from('raw'), [0.5, 2], 'ü€𝄞'],
    );
    expect(row!.t.toISOString()).toBe('2026-11-26T10:00:00.123Z');
    expect(row!.j).toEqual({ k: [1, 'x'] });
    expect(Buffer.from(row!.b).toString()).toBe('raw');
    expect(row!.a).toEqual([0.5, 2]);
    expect(row!.n).toBeNull();
    expect(row!.s).toBe('ü€𝄞');
  });

  it('commits a transaction whose function resolves, rolls back one that throws, and rethrows its error', async () => {
    await db.exec('CREATE TABLE t_commit (n int)');
    await db.transaction(async (tx) => {
      await tx.query('INSERT INTO t_commit VALUES (1)');
    });
    const failure = new Error('changed my mind');
    await expect(
      db.transaction(async (tx) => {
        await tx.query('INSERT INTO t_commit VALUES (2)');
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(await db.query('SELECT n FROM t_commit')).toEqual([{ n: 1 }]);
  });

  it('keeps the SQLSTATE of a refused statement, so that a poison event is recognised as one', async () => {
    await db.exec('CREATE TABLE t_unique (n int PRIMARY KEY)');
    const unique = await db.query('INSERT INTO t_unique VALUES (1), (1)').catch((err: unknown) => err);
    expect(unique).toMatchObject({ code: '23505', message: 'duplicate key value violates unique constraint "t_unique_pkey"' });
    expect(poisonReason(unique)).toBe('constraint_violation');
    const inTransaction = await db.transaction((tx) => tx.query("SELECT 'x'::int")).catch((err: unknown) => err);
    expect(poisonReason(inTransaction)).toBe('data_exception');
  });

  it('lets statements outside a transaction wait until it ends, as on one connection', async () => {
    await db.exec('CREATE TABLE t_order (n int)');
    const order: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const transaction = db.transaction(async (tx) => {
      await tx.query('INSERT INTO t_order VALUES (1)');
      order.push('in transaction');
      await held;
    });
    const outside = db.query<{ n: number }>('SELECT count(*)::int AS n FROM t_order').then((rows) => {
      order.push('outside');
      return rows;
    });
    await new Promise((resolve) => setImmediate(resolve));
    release();
    await transaction;
    expect(await outside).toEqual([{ n: 1 }]);
    expect(order).toEqual(['in transaction', 'outside']);
  });

  it('keeps the main thread free while a statement runs', async () => {
    let turns = 0;
    let running = true;
    const spin = () => {
      turns++;
      if (running) setImmediate(spin);
    };
    setImmediate(spin);
    await db.query('SELECT pg_sleep(0.3)');
    running = false;
    // A statement on the main thread would hold the event loop for all of its 300 ms.
    expect(turns).toBeGreaterThan(10);
  });

  it('keeps its data in a directory across close and open', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'pglite-thread-'));
    try {
      const first = await openPgliteThread(path.join(dir, 'pgdata'));
      await first.exec("CREATE TABLE kept (s text); INSERT INTO kept VALUES ('still here')");
      await first.close();
      const second = await openPgliteThread(path.join(dir, 'pgdata'));
      expect(await second.query('SELECT s FROM kept')).toEqual([{ s: 'still here' }]);
      await second.close();
      await expect(second.query('SELECT 1')).rejects.toThrow(`PGlite in ${path.join(dir, 'pgdata')} stopped`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

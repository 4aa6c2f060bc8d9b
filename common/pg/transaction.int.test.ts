import type { EventEmitter } from 'node:events';
import { Pool } from 'pg';
import { createTestDatabase } from '../../tracker/test/postgres';
import { isTransientPgError } from './transient';
import { withTransaction } from './transaction';

/**
 * A PostgreSQL restart cuts every connection, including one checked out between two statements of a
 * transaction: that must fail the transaction (for its caller to retry), never end the process.
 */
describe('withTransaction when the connection is cut mid-transaction', () => {
  let drop: () => Promise<void>;
  let pool: Pool;
  beforeAll(async () => {
    const db = await createTestDatabase();
    drop = db.drop;
    pool = new Pool({ connectionString: db.url, max: 2 }).on('error', () => undefined);
    await pool.query('CREATE TABLE t (n int)');
  });
  afterAll(async () => {
    await pool.end();
    await drop();
  });

  it('rejects with a transient error, rolls back, and the pool goes on with a new connection', async () => {
    let pid = 0;
    let cut!: () => void;
    const cutDone = new Promise<void>((resolve) => (cut = resolve));
    const outcome = withTransaction(pool, async (client) => {
      await client.query('INSERT INTO t VALUES (1)');
      pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
      cut();
      // Between two statements, as the tracker is while it works out an order's timeline. (Waiting on
      // the connection's end, not on the client's 'error': a listener there would hide the crash.)
      const connection = (client as unknown as { connection: EventEmitter }).connection;
      await new Promise<void>((resolve) => connection.once('end', () => resolve()));
      await client.query('INSERT INTO t VALUES (2)');
    });
    await cutDone;
    const admin = new Pool({ connectionString: pool.options.connectionString, max: 1 });
    await admin.query('SELECT pg_terminate_backend($1)', [pid]);
    await admin.end();
    const err = await outcome.then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(isTransientPgError(err)).toBe(true);
    expect((await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM t')).rows[0]!.n).toBe(0);
  });
});

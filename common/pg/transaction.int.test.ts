import type { EventEmitter } from 'node:events';
import { Pool } from 'pg';
import { createTestDatabase } from '../../tracker/test/postgres';
import { hearClientErrors } from './client-errors';
import { isTransientPgError } from './transient';
import { withTransaction } from './transaction';

/**
 * A PostgreSQL restart cuts every connection, including one checked out between two statements of a
 * transaction: that must fail the transaction (for its caller to retry), never end the process.
 */
let url: string;
let drop: () => Promise<void>;
beforeAll(async () => {
  ({ url, drop } = await createTestDatabase());
});
afterAll(() => drop());

describe('withTransaction when the connection is cut mid-transaction', () => {
  let pool: Pool;
  beforeAll(async () => {
    pool = new Pool({ connectionString: url, max: 2 }).on('error', () => undefined);
    await pool.query('CREATE TABLE t (n int)');
  });
  afterAll(() => pool.end());

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

/**
 * pg-pool listens on a client only while it is idle: a client handed out, before or without a
 * listener of its holder, must not end the process when its connection fails.
 */
describe('a pool whose clients are always heard (hearClientErrors)', () => {
  let pool: Pool;
  beforeAll(() => {
    pool = hearClientErrors(new Pool({ connectionString: url, max: 2 }), () => undefined);
  });
  afterAll(() => pool.end());

  it('keeps a listener on a client while it is checked out, where pg-pool keeps none', async () => {
    const client = await pool.connect();
    try {
      expect(client.listenerCount('error')).toBe(1);
    } finally {
      client.release();
    }
  });

  it('survives the connection of a checked-out client cut while nobody else listens; the client fails its next statement, the pool goes on', async () => {
    const client = await pool.connect();
    const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    const connection = (client as unknown as { connection: EventEmitter }).connection;
    const ended = new Promise<void>((resolve) => connection.once('end', () => resolve()));
    const admin = new Pool({ connectionString: pool.options.connectionString, max: 1 });
    await admin.query('SELECT pg_terminate_backend($1)', [pid]);
    await admin.end();
    await ended;
    const err = await client.query('SELECT 1').then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    client.release(err as Error);
    expect((await pool.query<{ one: number }>('SELECT 1 AS one')).rows[0]!.one).toBe(1);
  });
});

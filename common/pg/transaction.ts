import type { Pool, PoolClient } from 'pg';

/**
 * Runs `fn` in a transaction on a client of `pool`: COMMIT when it resolves, ROLLBACK when it throws
 * (and the error is rethrown). The one transaction helper of every PostgreSQL user in the tree (the
 * tracker's store, the pg-outbox sidecar, the pipeline's services), so that they agree on the detail
 * that matters: a client whose ROLLBACK failed is in an unknown state (the connection broke mid-way),
 * and is released as broken so the pool closes it instead of handing it to the next caller.
 */
export async function withTransaction<T>(pool: Pool, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch((rollbackError: Error) => (broken = rollbackError));
    throw err;
  } finally {
    client.release(broken);
  }
}

import type { Pool, PoolClient } from 'pg';

/**
 * Runs `fn` in a transaction on a client of `pool`: COMMIT when it resolves, ROLLBACK when it throws
 * (and the error is rethrown). The one transaction helper of every PostgreSQL user in the tree (the
 * tracker's store, the pg-outbox sidecar, the pipeline's services), so that they agree on the detail
 * that matters: a client whose ROLLBACK failed is in an unknown state (the connection broke mid-way),
 * and is released as broken so the pool closes it instead of handing it to the next caller; so is a
 * client whose connection broke while it was checked out.
 */
export async function withTransaction<T>(pool: Pool, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  // A connection that breaks while the client is checked out (the server restarts between two
  // statements) emits 'error' on the client, and an 'error' nobody listens to ends the process. Heard
  // here, it only fails this transaction: the next statement rejects (a transient error its caller
  // retries) and the client is released as broken.
  const onError = (err: Error) => (broken ??= err);
  client.on('error', onError);
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch((rollbackError: Error) => (broken = rollbackError));
    throw err;
  } finally {
    client.off('error', onError);
    client.release(broken);
  }
}

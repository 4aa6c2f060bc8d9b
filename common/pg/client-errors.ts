import type { Pool } from 'pg';

/**
 * Makes sure no connection failure of `pool` goes unheard, and returns the pool: an idle client's
 * failure goes to `onIdleError` (the pool replaces the client), and every client keeps a listener of
 * its own for its whole life.
 *
 * Why both: pg-pool listens on a client only while it is idle, and emits the failure of an idle one
 * as the pool's 'error'. From the moment it hands a client out until the holder listens
 * (withTransaction does, a microtask later), or for a holder that never does, a connection that
 * fails emits an 'error' nobody hears, and either unheard 'error' ends the process. A PostgreSQL
 * restart sends such a failure to every connection at once (a FATAL "terminating connection due to
 * administrator command"). Heard, the failure costs only its client: the client is no longer
 * queryable, so the holder's next statement fails with a transient error, and the pool drops the
 * client when it is released. The client's own listener reports nothing: its holder's failing
 * statement does, and `onIdleError` for an idle one.
 */
export function hearClientErrors(pool: Pool, onIdleError: (err: Error) => void): Pool {
  return pool.on('error', onIdleError).on('connect', (client) => client.on('error', () => undefined));
}

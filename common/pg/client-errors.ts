import type { Pool } from 'pg';

/**
 * Gives every client of `pool` an 'error' listener for its whole life, and returns the pool.
 *
 * Why: pg-pool listens on a client only while it is idle. From the moment it hands a client out
 * until the holder listens (withTransaction does, a microtask later), or for a holder that never
 * does, a connection that fails emits an 'error' nobody hears, and that ends the process. A
 * PostgreSQL restart sends such a failure to every connection at once (a FATAL "terminating
 * connection due to administrator command"). Heard here, the failure costs only its client: the
 * client is no longer queryable, so the holder's next statement fails with a transient error, and
 * the pool drops the client when it is released. The pool's own 'error' event still reports idle
 * clients; this listener adds no second report.
 */
export function hearClientErrors(pool: Pool): Pool {
  return pool.on('connect', (client) => client.on('error', () => undefined));
}

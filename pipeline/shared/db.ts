import { createHash } from 'node:crypto';
import { Pool } from 'pg';
import { hearClientErrors, withTransaction, ConfigError, retry, type Logger } from '../../common';
import { isTransient } from './errors';

/** How long a service waits at start for its database to come up (compose starts everything at once). */
const START_DEADLINE_MS = 60_000;

/**
 * A connection pool to a service's own database, named after the service in pg_stat_activity. Idle
 * connections that fail are replaced by the pool; the failure is logged, not thrown.
 */
export function openPool(url: string, options: { name: string; logger: Logger; max?: number }): Pool {
  return hearClientErrors(new Pool({ connectionString: url, application_name: options.name, max: options.max ?? 10 }), (err) =>
    options.logger.warn({ err }, 'an idle PostgreSQL connection failed; the pool replaces it'),
  );
}

/** The tree's one transaction helper (common/pg), where the services' database code looks for it. */
export { withTransaction };

/**
 * Creates a service's schema at start: idempotent DDL (`CREATE ... IF NOT EXISTS`) in one transaction,
 * under an advisory lock so that replicas starting together do not race. Waits for the database while
 * it is unreachable or starting; a database that does not exist fails at once, saying how to create it.
 */
export async function ensureSchema(pool: Pool, schemaName: string, ddl: readonly string[], logger: Logger): Promise<void> {
  const lockKey = createHash('sha256').update(`orderscope-pipeline:${schemaName}`).digest().readBigInt64BE(0);
  try {
    await retry(
      () =>
        withTransaction(pool, async (tx) => {
          await tx.query('SELECT pg_advisory_xact_lock($1)', [lockKey.toString()]);
          for (const statement of ddl) await tx.query(statement);
        }),
      {
        deadlineMs: START_DEADLINE_MS,
        retries: 30,
        maxDelayMs: 5000,
        retryOn: isTransient,
        onRetry: (err) => logger.warn({ err }, 'waiting for the database'),
      },
    );
  } catch (err) {
    if ((err as { code?: unknown }).code === '3D000') {
      throw new ConfigError(`${(err as Error).message}: create it first (e.g. createdb, or the compose init script deploy/postgres/init-databases.sh)`, err);
    }
    throw err;
  }
}

/** For readiness: "ok" when the database answers. */
export async function pingDatabase(pool: Pool): Promise<string> {
  await pool.query('SELECT 1');
  return 'ok';
}

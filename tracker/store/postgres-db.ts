import { Pool, type PoolClient } from 'pg';
import { hearClientErrors, withTransaction } from '../../common';
import { arrayParam } from './array-param';
import type { Db, Row, Sql } from './db';
import { translateDbError } from './db-errors';
import { writerConnectionOptions } from './migrate';

export interface PostgresOptions {
  url: string;
  /** Connections kept open at most. */
  poolSize?: number;
  /** Called with errors of idle connections (e.g. the server restarted); they are replaced on next use. */
  onIdleError?: (err: Error) => void;
}

/** A {@link Db} on a PostgreSQL server through a `pg` connection pool. */
export function openPostgres(options: PostgresOptions): Db {
  const pool = hearClientErrors(
    new Pool({
      connectionString: options.url,
      max: options.poolSize ?? 10,
      connectionTimeoutMillis: 10_000,
      // Which schema this code writes (migrate.ts writerSchema): migrations refuse writers older than they need.
      options: writerConnectionOptions(),
    }),
    (err) => options.onIdleError?.(err),
  );
  const where = describeUrl(options.url);
  let closing: Promise<void> | undefined;

  const run = async <R = Row>(client: Pool | PoolClient, text: string, params?: readonly unknown[]): Promise<R[]> => {
    try {
      const result = await client.query(text, params?.map(arrayParam));
      return result.rows as R[];
    } catch (err) {
      throw translateDbError(err, where);
    }
  };
  const exec = async (client: Pool | PoolClient, script: string): Promise<void> => {
    await run(client, script);
  };

  return {
    description: where,
    query: (text, params) => run(pool, text, params),
    exec: (script) => exec(pool, script),
    async transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
      try {
        return await withTransaction(pool, (client) => fn({ query: (text, params) => run(client, text, params), exec: (script) => exec(client, script) }));
      } catch (err) {
        // Statements' errors are translated already (run); this covers connecting, BEGIN and COMMIT.
        throw translateDbError(err, where);
      }
    },
    close: () => (closing ??= pool.end()),
  };
}

/** host:port/database of a connection URL, without user or password. */
export function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname || 'localhost'}:${u.port || '5432'}${u.pathname || '/'}`;
  } catch {
    return '(an unparseable postgres URL)';
  }
}

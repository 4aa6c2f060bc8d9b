import type { Pool } from 'pg';
import { ConfigError, retry, type Logger, withTransaction } from '../../common';
import { installStatements, uninstallStatements, type CaptureSpec } from './sql/capture-sql';
import type { TableName } from './sql/identifiers';

/** One advisory lock for every install: replicas starting together would otherwise fail with "tuple concurrently updated". */
const INSTALL_LOCK_KEY = 0x6f726473; // "ords"
/** SQLSTATE lock_not_available: the captured table was busy for longer than the lock timeout. */
const LOCK_NOT_AVAILABLE = '55P03';

/**
 * Installs (or updates) the outbox tables and the capture trigger, in one transaction.
 *
 * Before anything is created, the table and every configured column are checked: a trigger function
 * that names a missing column would make the application's own UPDATEs fail. Creating the trigger
 * briefly locks the table against writes; the lock wait is capped (5 s, then retried), because an
 * installer queued behind a long transaction would block every writer queued behind it.
 */
export async function installCapture(pool: Pool, spec: CaptureSpec, logger: Logger): Promise<void> {
  await checkServer(pool);
  await checkColumns(pool, spec);
  await retry(
    () =>
      inTransaction(pool, async (query) => {
        await query('SELECT pg_advisory_xact_lock($1)', [INSTALL_LOCK_KEY]);
        await query(`SET LOCAL lock_timeout = '5s'`);
        for (const statement of installStatements(spec)) await query(statement);
      }),
    {
      retries: 5,
      minDelayMs: 1000,
      retryOn: (err) => (err as { code?: string }).code === LOCK_NOT_AVAILABLE,
      onRetry: () => logger.warn({ table: spec.table.text }, 'the table is busy; retrying the trigger install'),
    },
  );
}

/** Removes the trigger and its function from `table`; the outbox tables and their rows stay. */
export async function uninstallCapture(pool: Pool, table: TableName): Promise<void> {
  await inTransaction(pool, async (query) => {
    await query(`SET LOCAL lock_timeout = '5s'`);
    for (const statement of uninstallStatements(table)) await query(statement);
  });
}

async function checkServer(pool: Pool): Promise<void> {
  const { rows } = await pool.query<{ server_version_num: string }>('SHOW server_version_num');
  const version = Number(rows[0]?.server_version_num);
  if (version < 140000) {
    throw new ConfigError(`the pg-outbox sidecar needs PostgreSQL 14 or newer (CREATE OR REPLACE TRIGGER); this server is version ${Math.floor(version / 10000)}`);
  }
}

async function checkColumns(pool: Pool, spec: CaptureSpec): Promise<void> {
  const { rows: found } = await pool.query<{ oid: string | null }>('SELECT to_regclass($1)::oid::text AS oid', [spec.table.sql]);
  const oid = found[0]?.oid;
  if (!oid) throw new ConfigError(`--table: there is no table ${spec.table.text} in this database (check the name, the schema and the search_path)`);
  const { rows } = await pool.query<{ attname: string }>('SELECT attname FROM pg_attribute WHERE attrelid = $1::oid AND attnum > 0 AND NOT attisdropped ORDER BY attnum', [oid]);
  const columns = new Set(rows.map((r) => r.attname));
  const wanted: [string, string][] = [
    ['--id-column', spec.idColumn],
    ['--state-column', spec.stateColumn],
    ...spec.attributes.map((a): [string, string] => [`--attribute ${a.name}`, a.column]),
  ];
  const missing = wanted.filter(([, column]) => !columns.has(column));
  if (missing.length > 0) {
    throw new ConfigError(
      `${spec.table.text} has no column ${missing.map(([flag, column]) => `"${column}" (${flag})`).join(', ')}; its columns are: ${[...columns].join(', ')}`,
    );
  }
}

type Query = (sql: string, params?: unknown[]) => Promise<unknown>;

function inTransaction(pool: Pool, work: (query: Query) => Promise<void>): Promise<void> {
  return withTransaction(pool, (client) => work((sql, params) => client.query(sql, params)));
}

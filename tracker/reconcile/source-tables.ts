import { Client } from 'pg';
import { parseTableName, quoteIdent, ValueMap, type TableName } from '../../agents/pg-outbox';
import { ConfigError, UnavailableError, describeError, type ReconcileSourceConfig } from '../../common';
import { describeUrl, micros, timestampParam, type Sql } from '../store';
import type { Micros } from '../timeline';
import type { ResolvedValue, SourceRow } from './compare';

/** A source table, checked and ready to be read. */
export interface SourceTable {
  readonly name: string;
  /** `reconcile.sources[i]`, how errors name its settings. */
  readonly setting: string;
  readonly table: TableName;
  readonly idColumn: string;
  readonly stateColumn: string;
  readonly updatedAtColumn: string | undefined;
  readonly map: ValueMap;
  /** Where the database is, without user or password, for messages. */
  readonly where: string;
  /** The connection URL; never logged. */
  readonly url: string;
}

/**
 * The configured sources, checked: table names, value maps (the pg-outbox sidecar's own parser) and
 * the URL or the environment variable that holds it.
 *
 * @throws ConfigError naming the setting, e.g. `reconcile.sources[1].urlEnv: SHOP_DB_URL is not set`
 */
export function sourceTables(sources: readonly ReconcileSourceConfig[], env: NodeJS.ProcessEnv = process.env): SourceTable[] {
  return sources.map((s, i) => {
    const setting = `reconcile.sources[${i}]`;
    const named = <T>(key: string, read: () => T): T => {
      try {
        return read();
      } catch (err) {
        throw new ConfigError(`${setting}.${key} (source ${s.name}): ${(err as Error).message.replace(/^--[a-z-]+: /, '')}`, err);
      }
    };
    const url = s.url ?? env[s.urlEnv!];
    if (!url) throw new ConfigError(`${setting}.urlEnv (source ${s.name}): the environment variable ${s.urlEnv} is not set; set it to the source database's postgres:// URL`);
    return {
      name: s.name,
      setting,
      table: named('table', () => parseTableName(s.table)),
      idColumn: named('idColumn', () => (quoteIdent(s.idColumn), s.idColumn)),
      stateColumn: named('stateColumn', () => (quoteIdent(s.stateColumn), s.stateColumn)),
      updatedAtColumn: s.updatedAtColumn === undefined ? undefined : named('updatedAtColumn', () => (quoteIdent(s.updatedAtColumn!), s.updatedAtColumn)),
      map: named('map', () => ValueMap.parse(s.map, s.ignore)),
      where: describeUrl(url),
      url,
    };
  });
}

/** The value-map resolver and the undated sources of {@link reconcile}'s input. */
export function resolverOf(tables: readonly SourceTable[]): { resolve: (source: string, value: string) => ResolvedValue; undated: Set<string> } {
  const maps = new Map(tables.map((t) => [t.name, t.map]));
  return {
    resolve: (source, value) => maps.get(source)?.resolve(value) ?? { kind: 'unmapped' },
    undated: new Set(tables.filter((t) => t.updatedAtColumn === undefined).map((t) => t.name)),
  };
}

/** A read-only connection to one source database. */
export interface SourceReader {
  /** The rows updated in [from, to) (every row without an updated-at column). */
  rowsInWindow(from: Micros, to: Micros): Promise<SourceRow[]>;
  /** The rows of the given order ids. */
  rowsOf(orderIds: readonly string[]): Promise<SourceRow[]>;
  close(): Promise<void>;
}

/**
 * Connects to a source database for reading only: the session is read-only
 * (`default_transaction_read_only`), so that no statement of ours can write to a system we watch,
 * and each statement is capped at `statementTimeoutMs`.
 *
 * @throws UnavailableError naming the source and its setting when the database cannot be reached
 */
export async function openSourceReader(table: SourceTable, options: { statementTimeoutMs?: number; connectTimeoutMs?: number } = {}): Promise<SourceReader> {
  const client = new Client({
    connectionString: table.url,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    options: `-c default_transaction_read_only=on -c statement_timeout=${options.statementTimeoutMs ?? 60_000}`,
    application_name: 'orderscope-reconcile',
  });
  // An error of an idle client (the server went away) surfaces at the next query instead of crashing.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => undefined);
    throw new UnavailableError(`cannot reach the database of source ${table.name} at ${table.where} (${table.setting}.url or .urlEnv): ${describeError(err)}`, err);
  }
  return readerOn({ query: async (text, params) => (await client.query(text, params as unknown[] | undefined)).rows, exec: async (script) => void (await client.query(script)) }, table, () => client.end().catch(() => undefined));
}

/**
 * The reads of one source table over any {@link Sql} connection (PGlite in unit tests). Errors name
 * the source, its table and its setting; never the URL.
 */
export function readerOn(sql: Sql, t: SourceTable, close: () => Promise<void> = async () => undefined): SourceReader {
  const updated = t.updatedAtColumn === undefined ? 'NULL::float8' : micros(quoteIdent(t.updatedAtColumn));
  const select = `SELECT ${quoteIdent(t.idColumn)}::text AS order_id, ${quoteIdent(t.stateColumn)}::text AS value, ${updated} AS updated_at FROM ${t.table.sql}`;
  const read = async (where: string, params: unknown[]): Promise<SourceRow[]> => {
    try {
      const rows = await sql.query<{ order_id: string; value: string | null; updated_at: number | null }>(`${select} WHERE ${where}`, params);
      return rows.filter((r) => r.value !== null).map((r) => ({ source: t.name, orderId: r.order_id, value: r.value!, updatedAt: r.updated_at }));
    } catch (err) {
      throw new UnavailableError(`cannot read ${t.table.text} of source ${t.name} at ${t.where} (${t.setting}): ${describeError(err)}`, err);
    }
  };
  return {
    rowsInWindow: (from, to) =>
      t.updatedAtColumn === undefined
        ? read('true', [])
        : read(`${quoteIdent(t.updatedAtColumn)} >= $1::timestamptz AND ${quoteIdent(t.updatedAtColumn)} < $2::timestamptz`, [timestampParam(from), timestampParam(to)]),
    // Compared as text: the tracker's ids need not fit the column's type (an integer id column and an
    // orphan "SO-7" would make the whole statement fail). The cost is a scan of the table per run.
    rowsOf: (orderIds) => (orderIds.length === 0 ? Promise.resolve([]) : read(`${quoteIdent(t.idColumn)}::text = ANY($1::text[])`, [orderIds])),
    close,
  };
}

import { createHash } from 'node:crypto';
import { ConfigError } from '../../../common';

/** A table as the user named it (`orders` or `sales.orders`), ready for SQL. */
export interface TableName {
  /** The schema, when the user gave one; otherwise the search_path decides. */
  readonly schema?: string;
  readonly table: string;
  /** Quoted for SQL, e.g. "sales"."orders". */
  readonly sql: string;
  /** As given, e.g. sales.orders: the key of the outbox rows of this table. */
  readonly text: string;
}

/**
 * Quotes an identifier, so that any name (upper case, spaces, reserved words) refers to exactly that
 * object and no name can inject SQL. Names are taken as they are stored: `Orders` is not `orders`.
 */
export function quoteIdent(name: string): string {
  if (name === '' || name.includes('\u0000')) throw new ConfigError(`"${name}" is not a usable SQL name`);
  return `"${name.replaceAll('"', '""')}"`;
}

/** Quotes a string literal (for the literals the install SQL writes into the trigger function). */
export function quoteLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** Parses `table` or `schema.table`. */
export function parseTableName(name: string, what = '--table'): TableName {
  const parts = name.split('.');
  if (parts.length > 2 || parts.some((p) => p === '')) throw new ConfigError(`${what}: "${name}" is not a table name (write table or schema.table)`);
  const [schema, table] = parts.length === 2 ? parts : [undefined, parts[0]!];
  return { ...(schema !== undefined && { schema }), table: table!, sql: [schema, table].filter((p) => p !== undefined).map((p) => quoteIdent(p!)).join('.'), text: name };
}

/**
 * A PostgreSQL name derived from other names, at most 63 bytes (longer names are silently cut by
 * PostgreSQL, and two cut names could collide): readable when it fits, hashed when it does not.
 */
export function derivedName(prefix: string, ...parts: string[]): string {
  const plain = `${prefix}_${parts.join('_')}`.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  if (Buffer.byteLength(plain) <= 63 && plain === `${prefix}_${parts.join('_')}`) return plain;
  const hash = createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 10);
  return `${plain.slice(0, 63 - hash.length - 1)}_${hash}`;
}

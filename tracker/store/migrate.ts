import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, PROJECT_ROOT } from '../../common';
import type { Db, Sql } from './db';

/** Where the numbered SQL migrations live (read at run time, from the sources or beside dist/). */
export const MIGRATIONS_DIR = path.join(PROJECT_ROOT, 'tracker', 'store', 'migrations');

export interface Migration {
  /** The number the file name starts with. */
  readonly version: number;
  readonly name: string;
  readonly sql: string;
  /** SHA-256 of the file, to notice a migration edited after it was applied. */
  readonly checksum: string;
}

const FILE_NAME = /^(\d{3})_[a-z0-9_]+\.sql$/;

/**
 * Reads `NNN_name.sql` files in version order; refuses stray files and two files with one number.
 * Gaps are allowed: numbers are taken on parallel branches (one engineer's 004 may land after
 * another's 005), and {@link migrate} applies every file not recorded yet, whatever its number, so a
 * database that got 005 first gets 004 when the code has it.
 */
export function readMigrations(dir: string = MIGRATIONS_DIR): Migration[] {
  let files: string[];
  try {
    files = readdirSync(dir).sort();
  } catch (err) {
    throw new ConfigError(`cannot read the migrations directory ${dir}: ${(err as Error).message}`, err);
  }
  const migrations = files.map((name) => {
    const match = FILE_NAME.exec(name);
    if (!match) throw new ConfigError(`${path.join(dir, name)}: a migration file is named NNN_what_it_does.sql (three digits, lower case)`);
    const sql = readFileSync(path.join(dir, name), 'utf8');
    return { version: Number(match[1]), name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
  });
  migrations.forEach((m, i) => {
    const previous = migrations[i - 1];
    if (m.version === 0) throw new ConfigError(`${path.join(dir, m.name)}: migrations are numbered from 001`);
    if (previous?.version === m.version) throw new ConfigError(`${path.join(dir, m.name)}: migration number ${m.name.slice(0, 3)} is also ${previous.name}; give one of them the next free number`);
  });
  return migrations;
}

/**
 * The newest schema this code knows (the number of its last migration), which every connection of the
 * tracker's store announces as `orderscope.writer_schema`: a migration that older code must not write
 * past (008, the report rollups) refuses writers that announce less, or nothing.
 */
export function writerSchema(): number {
  return (cachedWriterSchema ??= readMigrations().at(-1)?.version ?? 0);
}
let cachedWriterSchema: number | undefined;

/** The statement that announces {@link writerSchema} on a connection (PGlite's one). */
export const ANNOUNCE_WRITER_SCHEMA = () => `SET orderscope.writer_schema = '${writerSchema()}'`;

/** The `options` of a `pg` client or pool that announce {@link writerSchema} when they connect. */
export const writerConnectionOptions = () => `-c orderscope.writer_schema=${writerSchema()}`;

/**
 * The newest migration recorded in a database, 0 when no tracker ever migrated it: for code that reads
 * a database without migrating it (`orderscope report` on a replica, or on a primary whose trackers
 * are older than the command).
 */
export async function recordedSchema(sql: Sql): Promise<number> {
  const [table] = await sql.query<{ found: boolean }>(`SELECT to_regclass('schema_migrations') IS NOT NULL AS found`);
  if (!table?.found) return 0;
  const [row] = await sql.query<{ version: number | null }>('SELECT max(version) AS version FROM schema_migrations');
  return row?.version ?? 0;
}

export interface MigrationResult {
  /** File names applied by this call, in order. */
  readonly applied: readonly string[];
  /** Versions recorded in the database that this code does not have (a newer tracker ran here). */
  readonly unknownVersions: readonly number[];
}

/**
 * Brings the schema up to date: each pending migration in its own transaction, recorded in
 * `schema_migrations`. Every transaction first takes one advisory lock, so trackers starting at the
 * same time apply each migration once: the second one waits, then finds it recorded. A migration
 * whose file changed after it was applied stops the start, because the schema would not be what the
 * file says.
 */
export async function migrate(db: Db, migrations: readonly Migration[] = readMigrations()): Promise<MigrationResult> {
  const applied: string[] = [];
  let unknownVersions: number[] = [];
  // One pass over the recorded versions, then one transaction per pending file (re-checked under the lock).
  for (const migration of [undefined, ...migrations]) {
    await db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', ['orderscope.tracker.migrations']);
      await tx.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version integer PRIMARY KEY,
        name text NOT NULL,
        checksum text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`);
      const recorded = await tx.query<{ version: number; name: string; checksum: string }>('SELECT version, name, checksum FROM schema_migrations ORDER BY version');
      if (migration === undefined) {
        unknownVersions = checkRecorded(recorded, migrations);
        return;
      }
      if (recorded.some((r) => r.version === migration.version)) return;
      await tx.exec(migration.sql);
      await tx.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [migration.version, migration.name, migration.checksum]);
      applied.push(migration.name);
    });
  }
  return { applied, unknownVersions };
}

function checkRecorded(recorded: readonly { version: number; name: string; checksum: string }[], migrations: readonly Migration[]): number[] {
  const unknown: number[] = [];
  for (const r of recorded) {
    const file = migrations.find((m) => m.version === r.version);
    if (!file) unknown.push(r.version);
    else if (file.checksum !== r.checksum) {
      throw new ConfigError(
        `migration ${file.name} was changed after it was applied (as ${r.name}); applied migrations must not be edited: restore the file and put the change in a new numbered migration`,
      );
    }
  }
  return unknown;
}

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { migrate, readMigrations } from './migrate';
import { openPglite } from './pglite-db';
import type { Db } from './db';

let db: Db;
beforeAll(async () => {
  db = await openPglite();
});
afterAll(async () => {
  await db.close();
});

function dirWith(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'orderscope-migrations-'));
  for (const [name, sql] of Object.entries(files)) writeFileSync(path.join(dir, name), sql);
  return dir;
}

describe('schema migrations', () => {
  it('applies the tracker schema once and records it', async () => {
    expect((await migrate(db)).applied).toEqual(['001_init.sql']);
    expect(await migrate(db)).toEqual({ applied: [], unknownVersions: [] });
    const tables = await db.query<{ tablename: string }>(`SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`);
    expect(tables.map((t) => t.tablename)).toEqual(['events', 'histogram_totals', 'orders', 'schema_migrations', 'stays']);
  });

  it('applies only the migrations not recorded yet, in order', async () => {
    const next = [...readMigrations(), { version: 2, name: '002_more.sql', sql: 'CREATE TABLE more (id int);', checksum: 'x' }];
    expect((await migrate(db, next)).applied).toEqual(['002_more.sql']);
    const versions = await db.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
    expect(versions.map((v) => v.version)).toEqual([1, 2]);
    // The older code, which does not know 002, says so instead of failing.
    expect((await migrate(db)).unknownVersions).toEqual([2]);
  });

  it('refuses to start when an applied migration was edited', async () => {
    const edited = readMigrations().map((m) => ({ ...m, sql: `${m.sql}\n-- edited`, checksum: 'changed' }));
    await expect(migrate(db, edited)).rejects.toThrow('migration 001_init.sql was changed after it was applied');
  });

  it('refuses misnamed files and gaps in the numbering', () => {
    expect(() => readMigrations(dirWith({ '001_a.sql': '', 'notes.txt': '' }))).toThrow('a migration file is named NNN_what_it_does.sql');
    expect(() => readMigrations(dirWith({ '001_a.sql': '', '003_c.sql': '' }))).toThrow('expected migration number 002');
  });
});

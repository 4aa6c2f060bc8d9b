import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { migrate, readMigrations, recordedSchema, writerSchema } from './migrate';
import type { Db } from './db';
import { openTestPglite } from '../test/pglite-template';

let db: Db;
beforeAll(async () => {
  db = await openTestPglite();
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
    expect((await migrate(db)).applied).toEqual(readMigrations().map((m) => m.name));
    expect(readMigrations().slice(0, 2).map((m) => m.name)).toEqual(['001_init.sql', '002_lost_orders.sql']);
    expect(await migrate(db)).toEqual({ applied: [], unknownVersions: [] });
    const tables = await db.query<{ tablename: string }>(`SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`);
    expect(tables.map((t) => t.tablename)).toEqual(['dead_letters', 'events', 'histogram_totals', 'order_rollups', 'orders', 'redrives', 'schema_migrations', 'source_clocks', 'status_changes', 'stay_rollups', 'stays', 'tracker_instances']);
  });

  it('applies only the migrations not recorded yet, in order', async () => {
    const known = readMigrations();
    const version = known.at(-1)!.version + 1;
    const next = [...known, { version, name: `${String(version).padStart(3, '0')}_more.sql`, sql: 'CREATE TABLE more (id int);', checksum: 'x' }];
    expect((await migrate(db, next)).applied).toEqual([next.at(-1)!.name]);
    const versions = await db.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
    expect(versions.map((v) => v.version)).toEqual(next.map((m) => m.version));
    // The older code, which does not know the new one, says so instead of failing.
    expect((await migrate(db)).unknownVersions).toEqual([version]);
  });

  it('refuses to start when an applied migration was edited', async () => {
    const edited = readMigrations().map((m) => ({ ...m, sql: `${m.sql}\n-- edited`, checksum: 'changed' }));
    await expect(migrate(db, edited)).rejects.toThrow('migration 001_init.sql was changed after it was applied');
  });

  it('refuses misnamed files and two files with one number', () => {
    expect(() => readMigrations(dirWith({ '001_a.sql': '', 'notes.txt': '' }))).toThrow('a migration file is named NNN_what_it_does.sql');
    expect(() => readMigrations(dirWith({ '001_a.sql': '', '002_b.sql': '', '002_c.sql': '' }))).toThrow('migration number 002 is also 002_b.sql');
    expect(() => readMigrations(dirWith({ '000_a.sql': '' }))).toThrow('migrations are numbered from 001');
  });

  it('takes a gap in the numbering (parallel branches), and applies the missing number once it arrives', async () => {
    const gapped = await openTestPglite();
    try {
      const withGap = readMigrations(dirWith({ '001_a.sql': 'CREATE TABLE a (id int);', '003_c.sql': 'CREATE TABLE c (id int);' }));
      expect(withGap.map((m) => m.version)).toEqual([1, 3]);
      expect((await migrate(gapped, withGap)).applied).toEqual(['001_a.sql', '003_c.sql']);
      const filled = readMigrations(dirWith({ '001_a.sql': 'CREATE TABLE a (id int);', '002_b.sql': 'CREATE TABLE b (id int);', '003_c.sql': 'CREATE TABLE c (id int);' }));
      expect(await migrate(gapped, filled)).toEqual({ applied: ['002_b.sql'], unknownVersions: [] });
    } finally {
      await gapped.close();
    }
  });
});

describe('the schema recorded in a database', () => {
  it('is 0 before any tracker migrated it, then the newest migration applied', async () => {
    const fresh = await openTestPglite();
    try {
      expect(await recordedSchema(fresh)).toBe(0);
      await migrate(fresh, readMigrations().filter((m) => m.version <= 7));
      expect(await recordedSchema(fresh)).toBe(7);
      await migrate(fresh);
      expect(await recordedSchema(fresh)).toBe(writerSchema());
    } finally {
      await fresh.close();
    }
  });
});

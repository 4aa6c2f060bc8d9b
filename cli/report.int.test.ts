import { ConfigError } from '../common';
import { migrate, openPostgres, readMigrations, writerSchema } from '../tracker';
import { createTestDatabase } from '../tracker/test/postgres';
import { runCli } from './test/run-cli';

// `orderscope report --database-url` reads a database it does not migrate: one behind this code, or
// one no tracker has started on, gets a sentence that says what to do, not a missing table's stack.
describe('orderscope report on a database it does not migrate', () => {
  let database: { url: string; drop: () => Promise<void> };
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database.drop();
  });

  it('says that no tracker has started on a database without the schema', async () => {
    await expect(runCli('report', '--database-url', database.url, '--format', 'json')).rejects.toThrow(
      new ConfigError("this database holds no orderscope schema (no tracker has started on it): point --database-url, or postgres.readUrl / postgres.url, at the tracker's database"),
    );
  });

  it('says how to get the report from a schema older than the rollups, and gives the exact one', async () => {
    const db = openPostgres({ url: database.url, poolSize: 1 });
    try {
      await migrate(db, readMigrations().filter((m) => m.version <= 7));
    } finally {
      await db.close();
    }
    await expect(runCli('report', '--database-url', database.url, '--format', 'json')).rejects.toThrow(
      new ConfigError(
        `this database's orderscope schema is at migration 7, older than this orderscope's ${writerSchema()}, whose report reads the daily rollups: start a tracker of this version on its primary (it migrates at start; a replica follows), or add --exact to compute the report from the stays`,
      ),
    );
    const { out } = await runCli('report', '--database-url', database.url, '--format', 'json', '--exact');
    expect((JSON.parse(out) as { method: string }).method).toBe('exact');
  });
});

import { freePort } from '../../common/test/free-port';
import { settingName, UnavailableError } from '../../common';
import { databaseAtStartError } from './db-errors';
import { openPostgres } from './postgres-db';

describe('a PostgreSQL that cannot be reached', () => {
  it('is unavailable in plain words, and at start names the setting to check', async () => {
    const port = await freePort();
    const db = openPostgres({ url: `postgres://orderscope:s3cret@127.0.0.1:${port}/orderscope` });
    try {
      const err = await db.query('SELECT 1').then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(UnavailableError);
      expect((err as Error).message).toBe(`PostgreSQL at 127.0.0.1:${port}/orderscope is unavailable: nothing accepts connections there (connection refused)`);
      expect((databaseAtStartError(err, settingName(['postgres', 'url'])) as Error).message).toBe(
        `PostgreSQL at 127.0.0.1:${port}/orderscope is unavailable: nothing accepts connections there (connection refused); start it, or point postgres.url (ORDERSCOPE_POSTGRES_URL) at a PostgreSQL that runs`,
      );
    } finally {
      await db.close();
    }
  });

  it('leaves an error that is not about reaching it as it is', () => {
    const bug = new TypeError('a bug');
    expect(databaseAtStartError(bug, 'postgres.url')).toBe(bug);
  });
});

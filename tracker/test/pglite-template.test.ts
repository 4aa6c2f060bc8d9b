import { openTestPglite } from './pglite-template';

describe('the test stores opened from a template', () => {
  it('are each an empty cluster of their own: what one writes the other never sees', async () => {
    const a = await openTestPglite();
    try {
      const b = await openTestPglite();
      try {
        const tables = `SELECT count(*)::int AS tables FROM pg_tables WHERE schemaname = 'public'`;
        expect(await a.query(tables)).toEqual([{ tables: 0 }]);
        await a.query('CREATE TABLE written_in_a (n int)');
        await a.query('INSERT INTO written_in_a VALUES (1)');
        expect(await a.query('SELECT n FROM written_in_a')).toEqual([{ n: 1 }]);
        expect(await b.query(tables)).toEqual([{ tables: 0 }]);
      } finally {
        await b.close();
      }
    } finally {
      await a.close();
    }
  });
});

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { createTestDatabase } from '../../../tracker/test/postgres';
import { runCli } from '../../test/run-cli';

/*
 * `orderscope import --database-url` on the real PostgreSQL: the schema is migrated, the log's events
 * are stored with their orders, and a second import of the same file stores nothing more.
 */

const MODEL = `name: imported
states:
  - { name: received, label: Order received, system: import }
  - { name: checked, label: "T02 Check confirmation of receipt", system: crm }
  - { name: shipped, label: Shipped, system: import, terminal: true }
transitions:
  - { from: received, to: checked }
  - { from: checked, to: shipped }
`;
const LOG = [
  'case_id,activity,timestamp',
  '1,Order received,2026-02-01 09:00:00',
  '1,T02 Check confirmation of receipt,2026-02-01 09:30:00',
  '1,Shipped,2026-02-02 10:00:00',
  '2,Order received,2026-02-03 08:00:00',
  '2,t02  check confirmation OF receipt,2026-02-03 08:00:00',
].join('\n');

describe('orderscope import into PostgreSQL', () => {
  it('stores the log once, however often it is imported', async () => {
    const db = await createTestDatabase();
    const dir = mkdtempSync(path.join(tmpdir(), 'orderscope-import-pg-'));
    const [log, model] = [path.join(dir, 'log.csv'), path.join(dir, 'model.yaml')];
    writeFileSync(log, `${LOG}\n`);
    writeFileSync(model, MODEL);
    const client = new Client({ connectionString: db.url });
    try {
      const args = ['import', log, '--model', model, '--database-url', db.url, '--time-zone', 'UTC'];
      expect((await runCli(...args)).out).toContain('sent 5, accepted 5, rejected 0');
      await client.connect();
      const stored = async () => ({
        events: (await client.query<{ n: number }>('SELECT count(*)::int AS n FROM events')).rows[0]!.n,
        orders: (await client.query<{ order_id: string; state: string }>('SELECT order_id, state FROM orders ORDER BY order_id')).rows,
      });
      const first = await stored();
      expect(first).toEqual({ events: 5, orders: [{ order_id: '1', state: 'shipped' }, { order_id: '2', state: 'checked' }] });
      expect((await runCli(...args)).out).toContain('sent 5, accepted 5, rejected 0');
      expect(await stored()).toEqual(first);
    } finally {
      await client.end();
      await db.drop();
    }
  });
});

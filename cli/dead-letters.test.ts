import { listen, type RunningServer } from '../common';
import { ADMIN_TOKEN as ADMIN, READ_TOKEN as READ, apiTestConfig, orderEvent, startEmbedded, type EmbeddedTracker } from '../tracker/test/fixtures';
import { runCli as run } from './test/run-cli';

const T0 = Date.parse('2026-02-02T09:00:00Z');
const config = apiTestConfig();

describe('orderscope dead-letters', () => {
  let t: EmbeddedTracker;
  let api: RunningServer;
  let id: number;
  beforeAll(async () => {
    t = await startEmbedded({ config, now: () => T0 + 3600_000 });
    await t.db.query(`ALTER TABLE events ADD CONSTRAINT test_refuses CHECK (order_id <> 'CLI-POISON')`);
    await t.tracker.apply([orderEvent('CLI-OK', 'placed', T0), orderEvent('CLI-POISON', 'placed', T0)]);
    api = await listen(t.tracker.app, '127.0.0.1', 0);
    id = (await t.db.query<{ id: number }>('SELECT id::int AS id FROM dead_letters'))[0]!.id;
  });
  afterAll(async () => {
    await api.close();
    await t.close();
  });

  it('lists the parked letters as a table and shows one with its raw event', async () => {
    const list = await run('dead-letters', 'list', '--status', 'parked', '--tracker', api.url, '--token', READ);
    const [header, row, ...rest] = list.out.trimEnd().split('\n');
    expect(header).toMatch(/^ID\s+STATUS\s+REASON\s+ORDER\s+ATTEMPTS\s+LAST FAILED\s+ERROR$/);
    expect(row).toMatch(new RegExp(`^${id}\\s+parked\\s+constraint_violation\\s+CLI-POISON\\s+1\\s+2026-02-02T10:00:00(\\.0+)?Z\\s+.*test_refuses`));
    expect(rest).toEqual([]);
    const shown = await run('dead-letters', 'show', String(id), '--tracker', api.url, '--token', READ);
    expect(shown.out).toContain('reason:      constraint_violation');
    expect(shown.out).toContain('"order_id":"CLI-POISON"');
  });

  it('refuses a retry without the admin scope, saying which scope is missing', async () => {
    await expect(run('dead-letters', 'retry', String(id), '--tracker', api.url, '--token', READ)).rejects.toThrow(/1 did not go through:\n {2}\d+: the tracker answered 403: the token "reader" does not have the admin scope/);
  });

  it('retries every parked letter after the fix, and says how many went through', async () => {
    await t.db.query('ALTER TABLE events DROP CONSTRAINT test_refuses');
    const retried = await run('dead-letters', 'retry', '--all', '--tracker', api.url, '--token', ADMIN);
    expect(retried.err).toBe('retried and applied 1 of 1 dead letter');
    expect(await t.db.query(`SELECT order_id FROM orders ORDER BY order_id`)).toEqual([{ order_id: 'CLI-OK' }, { order_id: 'CLI-POISON' }]);
    await expect(run('dead-letters', 'retry', '--all', '--tracker', api.url, '--token', ADMIN)).rejects.toThrow('no parked dead letter to retry');
  });
});

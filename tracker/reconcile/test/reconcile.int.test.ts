import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli } from '../../../cli/test/run-cli';
import { applyBatch } from '../../apply';
import { migrate, openPostgres, type Db } from '../../store';
import { model, orderEvent } from '../../test/fixtures';
import { createTestDatabase } from '../../test/postgres';

// The CLI reads the wall clock; every time here is derived from this one reading of it.
const NOW_MS = Date.now();
const MIN_MS = 60_000;
const ago = (minutes: number) => new Date(NOW_MS - minutes * MIN_MS).toISOString();

describe('orderscope reconcile on PostgreSQL: a shop database and the tracker', () => {
  const drops: (() => Promise<void>)[] = [];
  const dbs: Db[] = [];
  let dir: string;
  let trackerUrl: string;
  let shopUrl: string;
  let env: Record<string, string | undefined>;

  beforeAll(async () => {
    const [shopDb, trackerDb] = [await createTestDatabase(), await createTestDatabase()];
    drops.push(shopDb.drop, trackerDb.drop);
    trackerUrl = trackerDb.url;
    shopUrl = shopDb.url;
    const shop = openPostgres({ url: shopDb.url });
    const tracker = openPostgres({ url: trackerDb.url });
    dbs.push(shop, tracker);
    await migrate(tracker);
    await shop.exec(`CREATE TABLE orders (id bigint PRIMARY KEY, status text NOT NULL, updated_at timestamptz NOT NULL)`);
    // 1001 went through; 1002's tracking event was dropped before it left the agent; 1003 was
    // forced into another state in the shop database by hand (no event).
    await shop.query(`INSERT INTO orders VALUES (1001, 'QUOTE', $1), (1002, 'NEW', $2), (1003, 'NEW', $3)`, [ago(40), ago(30), ago(35)]);
    await applyBatch(tracker, model, [orderEvent('1001', 'placed', ago(45)), orderEvent('1001', 'quote_requested', ago(40)), orderEvent('1003', 'placed', ago(35))], 'reconcile-int', () => NOW_MS);
    await shop.query(`UPDATE orders SET status = 'CANCELLED', updated_at = $1 WHERE id = 1003`, [ago(20)]);
    dir = mkdtempSync(path.join(tmpdir(), 'orderscope-reconcile-'));
    writeFileSync(
      path.join(dir, 'orderscope.yaml'),
      `reconcile:
  graceMs: 300000
  sources:
    - name: shop
      urlEnv: SHOP_DATABASE_URL
      table: public.orders
      stateColumn: status
      updatedAtColumn: updated_at
      map: ["NEW=placed,QUOTE=quote_requested,CANCELLED=cancelled"]
`,
    );
    env = { SHOP_DATABASE_URL: process.env.SHOP_DATABASE_URL, ORDERSCOPE_CONFIG: process.env.ORDERSCOPE_CONFIG };
    process.env.SHOP_DATABASE_URL = shopDb.url;
  });

  afterAll(async () => {
    for (const [k, v] of Object.entries(env)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    await Promise.all(dbs.map((db) => db.close()));
    for (const drop of drops) await drop();
    rmSync(dir, { recursive: true, force: true });
  });

  const reconcile = (...args: string[]) =>
    runCli('reconcile', '--config', path.join(dir, 'orderscope.yaml'), '--database-url', trackerUrl, '--from', ago(60), '--to', new Date(NOW_MS).toISOString(), ...args);

  it('reports the order whose event was dropped as missing and the one forced into another state as diverged', async () => {
    const { out, err } = await reconcile();
    const result = JSON.parse(out) as { counts: unknown; discrepancies: { kind: string; order_id: string; tracker_state: string | null; sources: unknown }[] };
    expect(result.counts).toEqual({ missing: 1, orphan: 0, diverged: 1, duplicated: 0 });
    expect(result.discrepancies.map(({ kind, order_id, tracker_state, sources }) => ({ kind, order_id, tracker_state, sources }))).toEqual([
      { kind: 'missing', order_id: '1002', tracker_state: null, sources: [{ source: 'shop', value: 'NEW', state: 'placed' }] },
      { kind: 'diverged', order_id: '1003', tracker_state: 'placed', sources: [{ source: 'shop', value: 'CANCELLED', state: 'cancelled' }] },
    ]);
    expect(err).toBe('1 missing, 0 orphan, 1 diverged, 0 duplicated (shop against the tracker)');
  });

  it('with a grace period longer than the differences, reports nothing yet', async () => {
    const { out } = await reconcile('--grace', '45m', '--format', 'csv');
    expect(out).toBe('kind,order_id,tracker_state,sources,source_values,source_states,since,age_seconds,event_ids\r\n');
  });

  it('an unreachable source database is named with its setting, without its URL', async () => {
    process.env.SHOP_DATABASE_URL = 'postgres://reader:s3cret@127.0.0.1:1/shop';
    try {
      await expect(reconcile()).rejects.toThrow(/^cannot reach the database of source shop at 127\.0\.0\.1:1\/shop \(reconcile\.sources\[0\]\.url or \.urlEnv\): .*ECONNREFUSED/);
      await expect(reconcile()).rejects.not.toThrow(/s3cret/);
    } finally {
      process.env.SHOP_DATABASE_URL = shopUrl;
    }
  });
});


/**
 * The pg-outbox sidecar against a real PostgreSQL (a database of its own, dropped afterwards) and a
 * real collector: state changes made by plain SQL (the "application") arrive as order events, each
 * exactly once by event_id, even when the sidecar is killed in the middle of a drain, and no
 * transaction stays open while the collector is asked.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { Client } from 'pg';
import { Registry } from 'prom-client';
import { Pool } from 'pg';
import { silentLogger, sleep } from '../../../common';
import { CollectorClient } from '../../shared';
import { PgOutboxSidecar, type PgOutboxOptions } from '..';
import { OutboxStore } from '../outbox-store';
import { parseTableName } from '../sql/identifiers';
import { forkTs, RecordingCollector, TEST_TOKEN, waitFor, type TsChild } from '../../test/harness';

const ADMIN_URL = process.env.ORDERSCOPE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const DATABASE = `orderscope_pg_outbox_${randomUUID().slice(0, 8)}`;
const DATABASE_URL = Object.assign(new URL(ADMIN_URL), { pathname: `/${DATABASE}` }).toString();
const MAP = 'NEW=placed,QUOTE=quote_requested,PRICING=pricing';

describe('the pg-outbox sidecar', () => {
  let db: Client;
  let collector: RecordingCollector;
  const children: TsChild[] = [];
  const sidecars: PgOutboxSidecar[] = [];

  beforeAll(async () => {
    const admin = new Client({ connectionString: ADMIN_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${DATABASE}`);
    await admin.end();
    db = new Client({ connectionString: DATABASE_URL });
    await db.connect();
  });
  afterAll(async () => {
    await db.end();
    const admin = new Client({ connectionString: ADMIN_URL });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`);
    await admin.end();
  });
  beforeEach(async () => {
    collector = await RecordingCollector.start();
  });
  afterEach(async () => {
    for (const child of children.splice(0)) await child.kill();
    for (const sidecar of sidecars.splice(0)) await sidecar.close();
    await collector.close();
  });

  async function createOrders(table: string): Promise<void> {
    await db.query(`CREATE TABLE ${table} (id text PRIMARY KEY, status text, segment text, note text)`);
  }
  const outboxRows = async (table: string) => Number((await db.query(`SELECT count(*) FROM orderscope_outbox WHERE source_table = $1`, [table])).rows[0].count);

  function inProcessSidecar(table: string, options: Partial<PgOutboxOptions> = {}): PgOutboxSidecar {
    const sidecar = new PgOutboxSidecar({
      databaseUrl: DATABASE_URL,
      table,
      idColumn: 'id',
      stateColumn: 'status',
      source: 'shop',
      map: [MAP],
      attributes: ['segment'],
      collectorUrl: collector.url,
      token: TEST_TOKEN,
      batchSize: 100,
      pollIntervalMs: 200,
      logger: silentLogger(),
      registry: new Registry(),
      ...options,
    });
    sidecars.push(sidecar);
    return sidecar;
  }

  it('loses nothing and counts nothing twice when the sidecar is killed in the middle of a drain', async () => {
    await createOrders('orders_kill');
    // The collector stops answering after 300 events, so that the kill lands while rows are still
    // being drained, however fast the sidecar is.
    await collector.close();
    collector = await RecordingCollector.start({ holdAfter: 300 });
    const start = () => {
      const child = forkTs(path.join(__dirname, '../../test/agent-cli.ts'), [
        'agent', 'pg-outbox', '--database-url', DATABASE_URL, '--table', 'orders_kill', '--state-column', 'status', '--source', 'shop',
        '--map', MAP, '--attribute', 'segment', '--batch-size', '100', '--poll-interval', '200ms', '--collector', collector.url, '--token', TEST_TOKEN,
        // The killed sidecar's claims expire within seconds (the default lease is a minute).
        '--request-timeout', '1s', '--claim-lease', '3s',
      ]);
      children.push(child);
      return child.line('the sidecar started draining', (l) => l.includes('capturing state changes'));
    };
    await start();

    // The application: 500 orders placed, quoted, then priced in bulk statements, plus updates that change no state.
    await db.query(`INSERT INTO orders_kill SELECT 'SO-' || g, 'NEW', CASE WHEN g % 2 = 0 THEN 'b2b' ELSE 'b2c' END FROM generate_series(1, 500) g`);
    await db.query(`UPDATE orders_kill SET status = 'QUOTE'`);
    await db.query(`UPDATE orders_kill SET status = 'QUOTE'`);
    await db.query(`UPDATE orders_kill SET note = 'called the customer'`);
    await db.query(`UPDATE orders_kill SET status = 'PRICING'`);
    const changes = 1500;

    await waitFor('part of the outbox at the collector', () => collector.distinct >= 300, 20_000);
    await children[0]!.kill('SIGKILL');
    const atKill = collector.distinct;
    expect(atKill).toBeLessThan(changes);
    collector.release();

    await start();
    await waitFor('every change at the collector', () => collector.distinct >= changes, 30_000, () => `${collector.distinct} of ${changes}`);
    await waitFor('the outbox to be empty', async () => (await outboxRows('orders_kill')) === 0, 10_000);

    expect(collector.distinct).toBe(changes);
    const byState = new Map<string, number>();
    for (const e of collector.events) byState.set(e.state, (byState.get(e.state) ?? 0) + 1);
    expect(Object.fromEntries(byState)).toEqual({ placed: 500, quote_requested: 500, pricing: 500 });
    const priced = collector.events.find((e) => e.order_id === 'SO-2' && e.state === 'pricing');
    expect(priced).toMatchObject({ source: 'shop', attributes: { segment: 'b2b' } });
    // Each order's events carry increasing seq (the outbox id) in the order of its changes.
    const so2 = collector.events.filter((e) => e.order_id === 'SO-2').sort((a, b) => a.seq - b.seq).map((e) => e.state);
    expect(so2).toEqual(['placed', 'quote_requested', 'pricing']);
  }, 90_000);

  it('sends again, once its claim expired, the rows a sidecar posted and was killed (SIGKILL) before deleting', async () => {
    await createOrders('orders_unsettled');
    // The collector takes every event, and stops answering after the first 100: the rows of the
    // batches after it reached the collector, and the sidecar never learns it.
    await collector.close();
    collector = await RecordingCollector.start({ stallAfter: 100 });
    const start = () => {
      const child = forkTs(path.join(__dirname, '../../test/agent-cli.ts'), [
        'agent', 'pg-outbox', '--database-url', DATABASE_URL, '--table', 'orders_unsettled', '--state-column', 'status', '--source', 'shop',
        '--map', MAP, '--batch-size', '100', '--poll-interval', '200ms', '--collector', collector.url, '--token', TEST_TOKEN,
        '--request-timeout', '1s', '--claim-lease', '3s',
      ]);
      children.push(child);
      return child.line('the sidecar started draining', (l) => l.includes('capturing state changes'));
    };
    await start();
    await db.query(`INSERT INTO orders_unsettled SELECT 'U-' || g, 'NEW' FROM generate_series(1, 300) g`);

    await waitFor('a batch at the collector beyond the first', () => collector.distinct > 100, 20_000, () => `${collector.distinct} arrived`);
    await children[0]!.kill('SIGKILL');
    const atKill = new Map(collector.deliveries);
    const { rows } = await db.query<{ event_id: string }>(`SELECT event_id::text FROM orderscope_outbox WHERE source_table = 'orders_unsettled'`);
    const postedNotDeleted = rows.map((r) => r.event_id).filter((id) => atKill.has(id));
    expect(postedNotDeleted.length).toBeGreaterThan(0);
    collector.release();

    await start();
    await waitFor('every change at the collector', () => collector.distinct >= 300, 30_000, () => `${collector.distinct} of 300`);
    await waitFor('the outbox to be empty', async () => (await outboxRows('orders_unsettled')) === 0, 10_000);
    expect(collector.distinct).toBe(300);
    // What reached the collector but was still in the outbox at the kill was sent again.
    expect(postedNotDeleted.filter((id) => collector.deliveries.get(id)! > atKill.get(id)!)).toEqual(postedNotDeleted);
  }, 90_000);

  it('holds no transaction open while the collector is asked: a collector slower than idle_in_transaction_session_timeout costs nothing', async () => {
    await createOrders('orders_slow');
    // The host's setting, here on the sidecar's connections only: a session idle in a transaction for 500 ms is ended.
    const url = new URL(DATABASE_URL);
    url.searchParams.set('options', '-c idle_in_transaction_session_timeout=500');
    const check = new Client({ connectionString: url.toString() });
    await check.connect();
    expect((await check.query('SHOW idle_in_transaction_session_timeout')).rows[0].idle_in_transaction_session_timeout).toBe('500ms');
    await check.end();
    // The collector answers each request after 1.5 s (the injected fault: three times the server's patience).
    const client = new CollectorClient({ url: collector.url, token: TEST_TOKEN, timeoutMs: 10_000, retry: { retries: 0 } });
    const slow = { post: async (...args: Parameters<CollectorClient['post']>) => (await sleep(1500), client.post(...args)) };
    const sidecar = inProcessSidecar('orders_slow', { databaseUrl: url.toString(), batchSize: 25, transport: slow });
    await sidecar.start();
    await db.query(`INSERT INTO orders_slow SELECT 'W-' || g, 'NEW' FROM generate_series(1, 50) g`);

    await waitFor('the outbox to be empty', async () => (await outboxRows('orders_slow')) === 0, 30_000);
    expect(collector.distinct).toBe(50);
    expect(collector.duplicates).toBe(0);
    expect((await sidecar.metrics.retries.get()).values[0]?.value ?? 0).toBe(0);
  }, 60_000);

  it('claims a row for one round at a time: not again until its claim is given back or expired, and settles only its own', async () => {
    await createOrders('orders_claims');
    const pool = new Pool({ connectionString: DATABASE_URL, max: 2 });
    try {
      // The outbox, installed by a sidecar that is gone before any row is there.
      const installer = inProcessSidecar('orders_claims');
      await installer.start();
      await installer.uninstall();
      await db.query(`INSERT INTO orderscope_outbox (source_table, order_id, state_value) SELECT 'orders_claims', 'C-' || g, 'NEW' FROM generate_series(1, 3) g`);
      const store = new OutboxStore(pool, parseTableName('orderscope_outbox'), 'orders_claims');

      const first = await store.claim(10, 60_000);
      expect(first.rows.map((r) => r.order_id)).toEqual(['C-1', 'C-2', 'C-3']);
      expect((await store.claim(10, 60_000)).rows).toEqual([]);

      await store.release(first);
      // A lease of 0 ms has run out by the next statement: as a sidecar that died.
      const expired = await store.claim(10, 0);
      expect(expired.rows).toHaveLength(3);
      const second = await store.claim(2, 60_000);
      expect(second.rows.map((r) => r.order_id)).toEqual(['C-1', 'C-2']);

      // The expired round settles late: the rows claimed again are no longer its to delete.
      await store.settle(expired, { deleteIds: expired.rows.map((r) => r.id), deadLetters: [] });
      expect((await db.query(`SELECT order_id FROM orderscope_outbox WHERE source_table = 'orders_claims' ORDER BY id`)).rows).toEqual([{ order_id: 'C-1' }, { order_id: 'C-2' }]);
      await store.settle(second, { deleteIds: second.rows.map((r) => r.id), deadLetters: [] });
      expect(await outboxRows('orders_claims')).toBe(0);
    } finally {
      await pool.end();
    }
  });

  it('lets several replicas drain one outbox, each row delivered once', async () => {
    await createOrders('orders_replicas');
    const replicas = [inProcessSidecar('orders_replicas'), inProcessSidecar('orders_replicas')];
    await Promise.all(replicas.map((r) => r.start()));
    await db.query(`INSERT INTO orders_replicas SELECT 'R-' || g, 'NEW', 'b2c' FROM generate_series(1, 1000) g`);
    await waitFor('1000 events', () => collector.distinct >= 1000, 20_000, () => `${collector.distinct} arrived`);
    await waitFor('the outbox to be empty', async () => (await outboxRows('orders_replicas')) === 0, 10_000);
    expect(collector.duplicates).toBe(0);
    const sent = await Promise.all(replicas.map(async (r) => (await r.metrics.eventsSent.get()).values[0]?.value ?? 0));
    expect(sent[0]! + sent[1]!).toBe(1000);
  }, 60_000);

  it('dead-letters unmapped values and rejected events without blocking the rows behind them, and ignores what it is told to', async () => {
    await createOrders('orders_dead');
    const sidecar = inProcessSidecar('orders_dead', { ignore: ['DRAFT'] });
    await sidecar.start();
    await db.query(`INSERT INTO orders_dead (id, status) VALUES ('D-1', 'WEIRD'), ('has space', 'NEW'), ('D-3', 'DRAFT'), ('D-4', 'NEW'), ('D-5', 'QUOTE')`);
    await waitFor('the outbox to be empty', async () => (await outboxRows('orders_dead')) === 0, 10_000);

    expect(collector.events.map((e) => `${e.order_id}:${e.state}`).sort()).toEqual(['D-4:placed', 'D-5:quote_requested']);
    const { rows } = await db.query(`SELECT order_id, state_value, reason FROM orderscope_outbox_dead_letter WHERE source_table = 'orders_dead' ORDER BY order_id`);
    expect(rows).toEqual([
      { order_id: 'D-1', state_value: 'WEIRD', reason: 'unmapped value "WEIRD": add it to --map (or to --ignore), then redrive the row' },
      { order_id: 'has space', state_value: 'NEW', reason: 'rejected by the collector: order_id: may contain only letters, digits, ".", "_", "-" and ":"' },
    ]);
    expect((await sidecar.metrics.deadLettered.get()).values.map((v) => [v.labels.reason, v.value])).toEqual([
      ['unmapped', 1],
      ['rejected', 1],
    ]);
    expect((await sidecar.metrics.ignored.get()).values[0]?.value).toBe(1);

    // Installing again is harmless; uninstalling stops the capture and keeps the outbox.
    const again = inProcessSidecar('orders_dead');
    await again.start();
    await again.uninstall();
    await db.query(`UPDATE orders_dead SET status = 'PRICING'`);
    expect(await outboxRows('orders_dead')).toBe(0);
  }, 60_000);

  it('refuses, before installing anything, a column the table does not have', async () => {
    await createOrders('orders_typo');
    const sidecar = inProcessSidecar('orders_typo', { attributes: ['segmnt'] });
    await expect(sidecar.start()).rejects.toThrow('orders_typo has no column "segmnt" (--attribute segmnt); its columns are: id, status, segment, note');
    // The application's writes still work: no trigger was installed.
    await db.query(`INSERT INTO orders_typo (id, status) VALUES ('T-1', 'NEW')`);
    expect(await outboxRows('orders_typo')).toBe(0);
  });
});

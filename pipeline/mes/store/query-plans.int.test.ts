import { Client, type ClientBase, type Pool } from 'pg';
import type { PricingRequest, ProductionOrder } from '../../shared/messages';
import { createTestDatabase } from '../../../tracker/test/postgres';
import { finishJob, quoteOf, startJob } from './pricing-jobs';
import { findProduction, listProduction, PRODUCTION_STATES, receiveProductionOrder, takeStep } from './production-orders';
import { MES_SCHEMA } from './schema';

/*
 * The MES database tuned by evidence: every query the MES API and the pricing workers run, on a year
 * of production orders, is planned by PostgreSQL with EXPLAIN (ANALYZE, BUFFERS) and must read only
 * the rows it answers with: no sequential scan of a large table, and no scan that reads more than a
 * page of rows on the way to a page of answers. The plans' figures go to the test output.
 */

/** A year of orders for the machine's whole floor: about 550 a day. */
const ORDERS = 200_000;
/** The most rows any scan of a request may read: a page of the list (50) and its journal rows, with room. */
const ROW_BUDGET = 500;
const PAGE = 50;

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Actual Rows': number;
  'Actual Loops': number;
  'Rows Removed by Filter'?: number;
  'Total Cost': number;
  'Shared Hit Blocks'?: number;
  'Shared Read Blocks'?: number;
  Plans?: PlanNode[];
}
interface Explained {
  readonly label: string;
  readonly sql: string;
  readonly plan: PlanNode;
}

let db: { url: string; drop: () => Promise<void> };
let client: Client;
const explained: Explained[] = [];

/**
 * A stand-in for the pool or transaction the store functions take: each statement is first planned
 * and run in a transaction that is rolled back (EXPLAIN ANALYZE runs it), then run for real.
 */
function explaining(label: string): Pool & ClientBase {
  return {
    query: async (sql: string, params?: unknown[]) => {
      await client.query('BEGIN');
      try {
        const { rows } = await client.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${sql}`, params);
        explained.push({ label, sql, plan: rows[0]!['QUERY PLAN'][0].Plan });
      } finally {
        await client.query('ROLLBACK');
      }
      return client.query(sql, params);
    },
  } as unknown as Pool & ClientBase;
}

const nodesOf = (n: PlanNode): PlanNode[] => [n, ...(n.Plans ?? []).flatMap(nodesOf)];
const SCANS = /Scan$/;
/** Rows a scan node read: those it returned and those its filter threw away, over all its loops. */
const rowsRead = (n: PlanNode) => (n['Actual Rows'] + (n['Rows Removed by Filter'] ?? 0)) * n['Actual Loops'];

beforeAll(async () => {
  db = await createTestDatabase();
  client = new Client({ connectionString: db.url });
  await client.connect();
  for (const ddl of MES_SCHEMA) await client.query(ddl);
  // A year of the floor, at fixed times: almost all orders shipped, a day's worth in each earlier state.
  await client.query(
    `INSERT INTO production_orders (order_id, state, segment, part, quantity, operator_id, total_cents, received_at, state_since)
     SELECT 'SO-' || lpad(i::text, 7, '0'),
            CASE WHEN i > $1 - 60 THEN 'queued' WHEN i > $1 - 300 THEN 'in_production' WHEN i > $1 - 600 THEN 'produced' ELSE 'shipped' END,
            CASE WHEN i % 3 = 0 THEN 'b2b' ELSE 'b2c' END,
            jsonb_build_object('part_number', 'P-' || (i % 5000), 'material', 'steel'),
            1 + i % 40, 'op-' || (i % 7), 1000 + i,
            timestamptz '2030-01-01 00:00:00+00' + (i * interval '157 seconds'),
            timestamptz '2030-01-01 00:00:00+00' + (i * interval '157 seconds')
     FROM generate_series(1, $1) AS i`,
    [ORDERS],
  );
  await client.query(
    `INSERT INTO state_changes (order_id, state, changed_at, tracked_at)
     SELECT p.order_id, s.state, p.received_at + s.after, p.received_at + s.after
     FROM production_orders p
     JOIN (VALUES ('in_production', interval '2 hours', 1), ('produced', interval '20 hours', 2), ('shipped', interval '30 hours', 3)) AS s(state, after, step)
       ON s.step <= CASE p.state WHEN 'in_production' THEN 1 WHEN 'produced' THEN 2 WHEN 'shipped' THEN 3 ELSE 0 END`,
  );
  await client.query(`UPDATE production_orders p SET state_since = s.changed_at FROM state_changes s WHERE s.order_id = p.order_id AND s.state = p.state`);
  await client.query(
    `INSERT INTO pricing_jobs (order_id, state, customer_id, segment, part, quantity, part_key, unit_price_cents, total_cents, priced_by, created_at)
     SELECT order_id, 'quoted', 'c-' || right(order_id, 3), segment, part, quantity, repeat('a', 64), 1000, 1000 * quantity, 'w1', received_at - interval '1 hour'
     FROM production_orders`,
  );
  await client.query('ANALYZE');
});

afterAll(async () => {
  await client?.end();
  await db?.drop();
});

const part = { part_number: 'P-NEW', material: 'steel', dimensions_mm: { x: 10, y: 20, z: 30 }, tolerance_mm: 0.1, finish: 'none' } as const;

describe('the queries of the MES on a year of production orders', () => {
  it('plans every query of the pricing worker and the MES API to read only what it answers', async () => {
    const request: PricingRequest = { order_id: 'SO-NEW-1', customer_id: 'c-1', segment: 'b2b', part, quantity: 3 };
    // The pricing worker: a new request, its redelivery, the price, the quote for the CRM.
    expect(await startJob(explaining('worker: start a pricing job'), request, 'k'.repeat(64), 'w1')).toBe('started');
    expect(await startJob(explaining('worker: find a redelivered job'), request, 'k'.repeat(64), 'w1')).toBe('pricing');
    expect(await finishJob(explaining('worker: store the price'), request.order_id, 1234, 'miss')).toBe(true);
    expect((await quoteOf(explaining('worker: the quote'), request.order_id)).total_cents).toBe(3702);
    // The worker receives the confirmed order; the API moves it along the floor and shows it.
    const order = { ...(await quoteOf(client as unknown as Pool, request.order_id)), operator_id: 'op-1' } as ProductionOrder;
    expect(await receiveProductionOrder(explaining('worker: receive a production order'), order)).toBe(true);
    expect(await takeStep(explaining('api: start production'), order.order_id, 'start')).toEqual({ moved: true, segment: 'b2b' });
    expect(await takeStep(explaining('api: a step that cannot be taken'), order.order_id, 'ship')).toEqual({ moved: false, state: 'in_production' });
    expect((await findProduction(explaining('api: one production order'), order.order_id))?.state).toBe('in_production');
    for (const state of PRODUCTION_STATES) {
      const page = await listProduction(explaining(`api: the ${state} list, first page`), state, PAGE);
      expect([state, page.length]).toEqual([state, PAGE]);
    }

    const rows = explained.map((e) => {
      const scans = nodesOf(e.plan).filter((n) => SCANS.test(n['Node Type']));
      return {
        query: e.label,
        plan: scans.map((n) => `${n['Node Type']}${n['Index Name'] ? ` ${n['Index Name']}` : n['Relation Name'] ? ` ${n['Relation Name']}` : ''}`).join(', '),
        cost: e.plan['Total Cost'],
        'rows read': Math.max(0, ...scans.map(rowsRead)),
        buffers: (e.plan['Shared Hit Blocks'] ?? 0) + (e.plan['Shared Read Blocks'] ?? 0),
        seq: scans.filter((n) => n['Node Type'] === 'Seq Scan').map((n) => n['Relation Name']),
      };
    });
    console.log(`the MES's queries on ${ORDERS} production orders:\n${rows.map((r) => `  ${r.query}: ${r.plan}; cost ${r.cost}, at most ${r['rows read']} rows read by a scan, ${r.buffers} buffers`).join('\n')}`);
    expect(rows.filter((r) => r.seq.length > 0).map((r) => `${r.query}: Seq Scan on ${r.seq.join(', ')}`)).toEqual([]);
    expect(rows.filter((r) => r['rows read'] > ROW_BUDGET).map((r) => `${r.query}: ${r['rows read']} rows read`)).toEqual([]);
  });
});

import { markBackfill, type OrderEvent } from '../../events';
import { applyBatch } from '../apply';
import { rollupDrift } from '../rollups';
import { migrate, readMigrations, type Db } from '../store';
import { journey, model, orderEvent, random, shuffled } from './fixtures';
import { openTestPglite } from './pglite-template';

const T0 = Date.UTC(2026, 10, 26, 22, 0, 0);
const NOW = () => T0 + 30 * 86_400_000;

/**
 * Orders through the pipeline with their attributes set as agents set them, and changed on the way:
 * the segment on the first event, the operator on assigned, sometimes another operator (a
 * reassignment) or segment later; some orders visit a state the model does not know; a few are
 * history (backfill marks). Their events cross midnight UTC, so stays fall on two days.
 */
function orders(count: number, rnd: () => number): OrderEvent[] {
  const events: OrderEvent[] = [];
  for (let i = 0; i < count; i++) {
    const id = `r-${i}`;
    let mine = journey(id, T0 + i * 37_000, 6 + Math.floor(rnd() * 6), rnd).map((e) => {
      const attributes: Record<string, string | number | boolean | null> = { ...e.attributes };
      if (e.state === 'assigned') attributes.operator_id = `op-${Math.floor(rnd() * 3)}`;
      if (e.state === 'in_production' && rnd() < 0.3) attributes.operator_id = `op-${3 + Math.floor(rnd() * 2)}`;
      if (e.state === 'confirmed' && rnd() < 0.2) attributes.segment = 'b2b';
      return { ...e, attributes };
    });
    if (rnd() < 0.2) mine.splice(2, 0, orderEvent(id, 'fraud_check', Date.parse(mine[1]!.occurred_at) + 1000, { source: 'shop', seq: 99 }));
    if (rnd() < 0.15) mine = mine.map((e) => markBackfill(e));
    events.push(...mine);
  }
  return events;
}

describe('report rollups kept by apply', () => {
  let db: Db;
  beforeAll(async () => {
    db = await openTestPglite();
    await migrate(db);
  });
  afterAll(() => db.close());

  it('equal a rebuild from the stays and orders after every batch, late, repeated and reassigned events included', async () => {
    const rnd = random(18);
    const events = orders(60, rnd);
    // Shuffled into small batches: most orders get late events (rebuilds), some events come twice.
    const sent = shuffled([...events, ...events.filter(() => rnd() < 0.1)], rnd);
    for (let i = 0; i < sent.length; i += 25) {
      await applyBatch(db, model, sent.slice(i, i + 25), 'test', NOW);
      expect(await rollupDrift(db)).toEqual([]);
    }
    // Not empty: every closed stay and every order is in them.
    const [counted] = await db.query<{ stays: number; orders: number; closed: number; all: number }>(
      `SELECT (SELECT sum(stays) FROM stay_rollups)::float8 AS stays, (SELECT sum(orders) FROM order_rollups)::float8 AS orders,
              (SELECT count(*) FROM stays)::float8 AS closed, (SELECT count(*) FROM orders)::float8 AS all`,
    );
    expect(counted!.stays).toBe(counted!.closed);
    expect(counted!.orders).toBe(counted!.all);
    expect(counted!.closed).toBeGreaterThan(300);
  });

  it('move an order\'s stays to its new operator when an event sets one, and back when a late event says it came first', async () => {
    const rows = () => db.query(`SELECT state, operator_id, stays::int FROM stay_rollups WHERE stays <> 0 AND state IN ('x_a', 'x_b') ORDER BY 1, 2`);
    const at = (minute: number) => T0 + 40 * 86_400_000 + minute * 60_000;
    await applyBatch(db, model, [orderEvent('m-1', 'x_a', at(0), { source: 'shop' }), orderEvent('m-1', 'x_b', at(10), { source: 'shop' }), orderEvent('m-1', 'x_c', at(20), { source: 'shop' })], 'test', NOW);
    expect(await rows()).toEqual([
      { state: 'x_a', operator_id: null, stays: 1 },
      { state: 'x_b', operator_id: null, stays: 1 },
    ]);
    await applyBatch(db, model, [orderEvent('m-1', 'x_c', at(30), { source: 'shop', attributes: { operator_id: 'op-9' } })], 'test', NOW);
    expect(await rows()).toEqual([
      { state: 'x_a', operator_id: 'op-9', stays: 1 },
      { state: 'x_b', operator_id: 'op-9', stays: 1 },
    ]);
    // A late event before the last one names another operator: the later one still wins, nothing moves.
    await applyBatch(db, model, [orderEvent('m-1', 'x_b', at(15), { source: 'shop', attributes: { operator_id: 'op-1' } })], 'test', NOW);
    expect(await rows()).toEqual([
      { state: 'x_a', operator_id: 'op-9', stays: 1 },
      { state: 'x_b', operator_id: 'op-9', stays: 1 },
    ]);
    expect(await rollupDrift(db)).toEqual([]);
  });
});

describe('report rollups of the largest attributes the contract accepts', () => {
  it('hold a segment and an operator of 1 KB each, text that does not compress, with a state of 200 characters', async () => {
    const db = await openTestPglite();
    try {
      await migrate(db);
      const rnd = random(1024);
      const text = () => Array.from({ length: 1024 }, () => String.fromCharCode(33 + Math.floor(rnd() * 94))).join('');
      // 200 characters of 3 bytes each: the most bytes a state can have.
      const state = Array.from({ length: 200 }, () => String.fromCharCode(0x4e00 + Math.floor(rnd() * 20_000))).join('');
      const at = T0 + 50 * 86_400_000;
      const attributes = { segment: text(), operator_id: text() };
      await applyBatch(db, model, [orderEvent('big-1', state, at, { source: 'shop', attributes }), orderEvent('big-1', 'placed', at + 60_000, { source: 'shop' }), orderEvent('big-1', 'quote_requested', at + 120_000)], 'test', NOW);
      expect(await db.query(`SELECT count(*)::int AS n FROM stay_rollups WHERE segment = $1 AND operator_id = $2`, [attributes.segment, attributes.operator_id])).toEqual([{ n: 2 }]);
      expect(await rollupDrift(db)).toEqual([]);
    } finally {
      await db.close();
    }
  });
});

describe('migration 008', () => {
  it('fills the rollups from the stays and orders an installation already has', async () => {
    const db = await openTestPglite();
    try {
      await migrate(
        db,
        readMigrations().filter((m) => m.version < 8),
      );
      await db.query(
        `INSERT INTO orders (order_id, state, state_since, system, stay_count, status, first_event_at, last_event_at, segment, operator_id)
         VALUES ('a', 'shipped', '2026-11-24T01:00:00Z', 'mes', 3, 'done', '2026-11-23T23:00:00Z', '2026-11-24T01:00:00Z', 'b2b', 'op-1'),
                ('b', 'quoted', '2026-11-24T00:30:00Z', 'mes', 2, 'open', '2026-11-23T23:59:00Z', '2026-11-24T00:30:00Z', NULL, NULL)`,
      );
      await db.query(
        `INSERT INTO stays (order_id, seq_no, state, system, entered_at, left_at, duration_seconds, entered_event_id)
         VALUES ('a', 0, 'placed', 'shop', '2026-11-23T23:00:00Z', '2026-11-23T23:00:00Z', 0, gen_random_uuid()),
                ('a', 1, 'pricing', 'mes', '2026-11-23T23:00:00Z', '2026-11-24T01:00:00Z', 7200, gen_random_uuid()),
                ('b', 0, 'placed', 'shop', '2026-11-23T23:59:00Z', '2026-11-24T00:30:00Z', 1860, gen_random_uuid())`,
      );
      await migrate(db);
      expect(await db.query(`SELECT state, day::text, segment, operator_id, bucket, stays::int, micros::float8 FROM stay_rollups ORDER BY 1, 2, 3`)).toEqual([
        { state: 'placed', day: '2026-11-23', segment: 'b2b', operator_id: 'op-1', bucket: -1000, stays: 1, micros: 0 },
        { state: 'placed', day: '2026-11-24', segment: null, operator_id: null, bucket: 377, stays: 1, micros: 1_860_000_000 },
        { state: 'pricing', day: '2026-11-24', segment: 'b2b', operator_id: 'op-1', bucket: 445, stays: 1, micros: 7_200_000_000 },
      ]);
      expect(await db.query(`SELECT state, day::text, segment, orders::int, micros::float8 FROM order_rollups ORDER BY 1`)).toEqual([
        { state: 'quoted', day: '2026-11-24', segment: null, orders: 1, micros: 1_860_000_000 },
        { state: 'shipped', day: '2026-11-24', segment: 'b2b', orders: 1, micros: 7_200_000_000 },
      ]);
      expect(await rollupDrift(db)).toEqual([]);
    } finally {
      await db.close();
    }
  });
});

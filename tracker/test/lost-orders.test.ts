import { createLogger, hashToken, loadConfig, listen, type RunningServer } from '../../common';
import { DEMO_MODEL_PATH, loadModelFile } from '../../events';
import { TRACKER_METRICS } from '../metric-names';
import { migrate, readMigrations } from '../store';
import { metricValue, orderEvent, startEmbedded, type EmbeddedTracker } from './fixtures';
import { openTestPglite } from './pglite-template';

/*
 * Lost-order detection in embedded mode (PGlite), on the demo model's clock of seconds:
 * quote_requested is stuck after 5 s (expect_within), lost after 10 s when pricing (MES) has not
 * picked it up (the handoff's window), and after 20 s whatever happens (lost_after). The clock is
 * injected; the sweeper's own timer is set far apart, so that each sweep is the test's.
 */

const demo = loadModelFile(DEMO_MODEL_PATH);
const T0 = Date.UTC(2026, 10, 26, 12, 0, 0);
const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';
const M = TRACKER_METRICS;

const config = loadConfig({
  env: {},
  overrides: {
    tracker: { sweepIntervalMs: 3_600_000, traceBackend: 'zipkin', traceBackendUrl: 'https://zipkin.example' },
    tokens: [{ name: 'on-call', sha256: hashToken('read-token'), scopes: ['read'] }],
  },
});

const iso = (ms: number) => new Date(ms).toISOString();

/** status_changes as rows the test can compare, times as offsets from T0 in seconds. */
async function statusChanges(t: EmbeddedTracker, orderId?: string) {
  const rows = await t.db.query<{ order_id: string; from_status: string; to_status: string; state: string; reason: string; handoff_to: string | null; deadline: number | null; at: number; trace_id: string | null }>(
    `SELECT order_id, from_status, to_status, state, reason, handoff_to, extract(epoch from deadline_at)::float8 * 1000 - $1 AS deadline,
            extract(epoch from at)::float8 * 1000 - $1 AS at, trace_id
     FROM status_changes WHERE $2::text IS NULL OR order_id = $2 ORDER BY order_id, at, id`,
    [T0, orderId ?? null],
  );
  return rows.map((r) => ({ ...r, deadline: r.deadline === null ? null : Math.round(r.deadline) / 1000, at: Math.round(r.at) / 1000 }));
}

async function orderRow(t: EmbeddedTracker, orderId: string) {
  const [row] = await t.db.query<{ status: string; next_deadline: number | null }>(
    `SELECT status, extract(epoch from next_deadline_at)::float8 * 1000 - $2 AS next_deadline FROM orders WHERE order_id = $1`,
    [orderId, T0],
  );
  return { status: row!.status, next_deadline: row!.next_deadline === null ? null : Math.round(row!.next_deadline) / 1000 };
}

describe('an order that stops at quote_requested (embedded mode, demo model)', () => {
  let clock = T0;
  let t: EmbeddedTracker;
  let server: RunningServer;
  const logLines: Record<string, unknown>[] = [];
  const get = async (path: string) => {
    const res = await fetch(`${server.url}${path}`, { headers: { authorization: 'Bearer read-token' } });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> & { orders: Record<string, unknown>[] } };
  };

  beforeAll(async () => {
    const logger = createLogger('tracker', 'info', { destination: { write: (line: string) => void logLines.push(JSON.parse(line) as Record<string, unknown>) } });
    t = await startEmbedded({ config, model: demo, now: () => clock, logger });
    server = await listen(t.tracker.app, '127.0.0.1', 0);
    await t.bus.publish([
      orderEvent('Q-1', 'placed', iso(T0), { source: 'shop', attributes: { segment: 'b2b' } }),
      orderEvent('Q-1', 'quote_requested', iso(T0 + 2000), { source: 'shop', trace_id: TRACE, span_id: SPAN }),
    ]);
  });

  afterAll(async () => {
    await server?.close();
    await t?.close();
  });

  it('is open and due at its SLA, 5 s after it entered quote_requested', async () => {
    clock = T0 + 6999;
    expect((await t.tracker.sweep()).changes).toEqual([]);
    expect(await orderRow(t, 'Q-1')).toEqual({ status: 'open', next_deadline: 7 });
  });

  it('is stuck at its SLA, then due at the handoff window', async () => {
    clock = T0 + 7000;
    const { changes } = await t.tracker.sweep();
    expect(changes.map((c) => [c.orderId, c.fromStatus, c.toStatus, c.reason])).toEqual([['Q-1', 'open', 'stuck', 'expect_within']]);
    expect(await orderRow(t, 'Q-1')).toEqual({ status: 'stuck', next_deadline: 12 });
    expect(await metricValue(t.registry, M.ordersStuck.name, { state: 'quote_requested' })).toBe(1);
    expect((await get('/v1/orders?status=stuck')).body.orders.map((o) => o.order_id)).toEqual(['Q-1']);
  });

  it('is lost when pricing has not picked it up within the handoff window: reason handoff_missed, counted, logged', async () => {
    clock = T0 + 11_999;
    expect((await t.tracker.sweep()).changes).toEqual([]);
    clock = T0 + 12_000;
    await t.tracker.sweep();
    expect(await orderRow(t, 'Q-1')).toEqual({ status: 'lost', next_deadline: null });
    expect(await statusChanges(t)).toEqual([
      { order_id: 'Q-1', from_status: 'open', to_status: 'stuck', state: 'quote_requested', reason: 'expect_within', handoff_to: null, deadline: 7, at: 7, trace_id: TRACE },
      { order_id: 'Q-1', from_status: 'stuck', to_status: 'lost', state: 'quote_requested', reason: 'handoff_missed', handoff_to: 'pricing', deadline: 12, at: 12, trace_id: TRACE },
    ]);
    expect(await metricValue(t.registry, M.ordersLost.name, { state: 'quote_requested', reason: 'handoff_missed' })).toBe(1);
    expect(await metricValue(t.registry, M.ordersStuck.name, { state: 'quote_requested' })).toBe(0);
    expect(logLines.filter((l) => l.order_id === 'Q-1').map((l) => [l.level, l.msg])).toEqual([
      [30, 'order Q-1 is stuck in quote_requested: longer than its SLA of 5s (expect_within)'],
      [40, 'order Q-1 is lost in quote_requested (shop): pricing (mes) did not pick it up within 10s via RabbitMQ queue mes.pricing (shop -> MES)'],
    ]);
    expect(logLines.find((l) => l.to_status === 'lost')).toMatchObject({
      order_id: 'Q-1',
      trace_id: TRACE,
      state: 'quote_requested',
      from_status: 'stuck',
      to_status: 'lost',
      reason: 'handoff_missed',
      handoff: 'quote_requested -> pricing',
      late_seconds: 0,
    });
  });

  it('is listed by GET /v1/lost with its handoff, since when, its trace and its timeline', async () => {
    clock = T0 + 15_000;
    const { status, body } = await get('/v1/lost?state=quote_requested');
    expect(status).toBe(200);
    expect(body).toEqual({
      orders: [
        {
          order_id: 'Q-1',
          state: 'quote_requested',
          system: 'shop',
          reason: 'handoff_missed',
          handoff: { from: 'quote_requested', to: 'pricing', from_system: 'shop', to_system: 'mes', within_seconds: 10, via: 'RabbitMQ queue mes.pricing (shop -> MES)' },
          lost_after_seconds: 20,
          lost_at: iso(T0 + 12_000),
          state_since: iso(T0 + 2000),
          time_in_state_seconds: 13,
          segment: 'b2b',
          operator_id: null,
          last_event_at: iso(T0 + 2000),
          trace_id: TRACE,
          trace_url: `https://zipkin.example/zipkin/traces/${TRACE}`,
          traces_search_url: 'https://zipkin.example/zipkin/?annotationQuery=order.id%3DQ-1',
          timeline_url: '/v1/orders/Q-1',
        },
      ],
      next_cursor: null,
    });
    expect((await get('/v1/lost?state=pricing')).body.orders).toEqual([]);
    expect((await get('/v1/orders?status=lost')).body.orders.map((o) => o.order_id)).toEqual(['Q-1']);
    const refused = await get('/v1/lost?status=open');
    expect([refused.status, (refused.body.error as { message: string }).message]).toEqual([400, 'unknown query parameter "status" (the parameters are: state, segment, limit, cursor)']);
  });

  it('recovers when pricing arrives: recorded, counted, and watched again in its new state', async () => {
    clock = T0 + 20_000;
    await t.bus.publish([orderEvent('Q-1', 'pricing', iso(T0 + 19_000), { source: 'mes', trace_id: 'aaaabbbbccccddddeeeeffff00001111' })]);
    expect(await orderRow(t, 'Q-1')).toEqual({ status: 'recovered', next_deadline: 27 });
    expect((await statusChanges(t)).slice(2)).toEqual([
      { order_id: 'Q-1', from_status: 'lost', to_status: 'recovered', state: 'quote_requested', reason: 'moved_on', handoff_to: null, deadline: null, at: 20, trace_id: 'aaaabbbbccccddddeeeeffff00001111' },
    ]);
    expect(await metricValue(t.registry, M.ordersRecovered.name, { state: 'quote_requested', from_status: 'lost' })).toBe(1);
    expect(logLines.filter((l) => l.order_id === 'Q-1').map((l) => l.msg)).toContain('order Q-1 recovered: it had been lost in quote_requested, and a later event moved it on');
    expect((await get('/v1/lost')).body.orders).toEqual([]);
    expect((await get('/v1/orders?status=recovered')).body.orders.map((o) => o.order_id)).toEqual(['Q-1']);
  });

  it('shows its status history in GET /v1/orders/:id', async () => {
    const { body } = await get('/v1/orders/Q-1');
    expect(body.status).toBe('recovered');
    expect(body.status_history).toEqual([
      { at: iso(T0 + 7000), from_status: 'open', to_status: 'stuck', state: 'quote_requested', reason: 'expect_within', handoff: null, deadline_at: iso(T0 + 7000), trace_id: TRACE, trace_url: `https://zipkin.example/zipkin/traces/${TRACE}` },
      {
        at: iso(T0 + 12_000),
        from_status: 'stuck',
        to_status: 'lost',
        state: 'quote_requested',
        reason: 'handoff_missed',
        handoff: { from: 'quote_requested', to: 'pricing', from_system: 'shop', to_system: 'mes', within_seconds: 10, via: 'RabbitMQ queue mes.pricing (shop -> MES)' },
        deadline_at: iso(T0 + 12_000),
        trace_id: TRACE,
        trace_url: `https://zipkin.example/zipkin/traces/${TRACE}`,
      },
      expect.objectContaining({ from_status: 'lost', to_status: 'recovered', reason: 'moved_on', deadline_at: null }),
    ]);
  });

  it('exports the lost and recovered counters at zero for every open state from the start', async () => {
    const text = await t.registry.metrics();
    for (const s of demo.openStates()) {
      expect(text).toMatch(new RegExp(`^orderscope_orders_lost_total\\{state="${s.name}",reason="lost_after"\\} \\d`, 'm'));
      expect(text).toMatch(new RegExp(`^orderscope_orders_recovered_total\\{state="${s.name}",from_status="stuck"\\} \\d`, 'm'));
    }
    expect(text).toContain('orderscope_orders_lost_total{state="pricing",reason="handoff_missed"} 0');
  });
});

describe('a tracker restarted on the same store', () => {
  it('flags what fell due while it was down, and nothing twice', async () => {
    const db = await openTestPglite();
    let clock = T0;
    const first = await startEmbedded({ db, config, model: demo, now: () => clock, instance: 'tracker-a' });
    await first.bus.publish([
      ...['R-1', 'R-2', 'R-3'].map((id) => orderEvent(id, 'quote_requested', iso(T0))),
      // Backfilled long after its handoff window: lost at the first sweep, for the handoff.
      orderEvent('R-old', 'quote_requested', iso(T0 - 60_000)),
      orderEvent('R-done', 'shipped', iso(T0)),
    ]);
    clock = T0 + 8000;
    await first.tracker.sweep();
    expect((await statusChanges(first)).map((c) => [c.order_id, c.to_status, c.reason])).toEqual([
      ['R-1', 'stuck', 'expect_within'],
      ['R-2', 'stuck', 'expect_within'],
      ['R-3', 'stuck', 'expect_within'],
      ['R-old', 'lost', 'handoff_missed'],
    ]);
    await first.close(true);

    // Down for 30 s: the handoff window (10 s) and lost_after (20 s) of R-1..3 passed meanwhile.
    clock = T0 + 30_000;
    const second = await startEmbedded({ db, config, model: demo, now: () => clock, instance: 'tracker-a' });
    try {
      // start() swept once already; this sweep waits for that one and finds nothing left.
      expect((await second.tracker.sweep()).changes).toEqual([]);
      const changes = await statusChanges(second);
      expect(changes.map((c) => [c.order_id, c.to_status, c.reason, c.deadline, c.at])).toEqual([
        ['R-1', 'stuck', 'expect_within', 5, 8],
        ['R-1', 'lost', 'handoff_missed', 10, 30],
        ['R-2', 'stuck', 'expect_within', 5, 8],
        ['R-2', 'lost', 'handoff_missed', 10, 30],
        ['R-3', 'stuck', 'expect_within', 5, 8],
        ['R-3', 'lost', 'handoff_missed', 10, 30],
        ['R-old', 'lost', 'handoff_missed', -50, 8],
      ]);
      expect(await metricValue(second.registry, M.ordersLost.name, { state: 'quote_requested', reason: 'handoff_missed' })).toBe(3);
      expect(await metricValue(second.registry, M.ordersStuck.name, { state: 'quote_requested' })).toBe(0);
      const due = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM orders WHERE next_deadline_at IS NOT NULL`);
      expect(due).toEqual([{ n: 0 }]);
    } finally {
      await second.close();
    }
  });
});

describe('a database from before the detector', () => {
  it('gets its open orders swept at the first sweep after the upgrade', async () => {
    const db = await openTestPglite();
    await migrate(db, readMigrations().slice(0, 1));
    // What the tracker of 001 stored: an order with no deadline, in quote_requested for a minute.
    await db.query(
      `INSERT INTO orders (order_id, state, system, state_since, stay_count, status, first_event_at, last_event_at, event_count)
       VALUES ('OLD-1', 'quote_requested', 'shop', $1, 1, 'open', $1, $1, 1), ('OLD-2', 'shipped', 'mes', $1, 1, 'done', $1, $1, 1)`,
      [iso(T0 - 60_000)],
    );
    const t = await startEmbedded({ db, config, model: demo, now: () => T0 });
    try {
      await t.tracker.sweep();
      expect((await statusChanges(t)).map((c) => [c.order_id, c.to_status, c.reason, c.deadline])).toEqual([['OLD-1', 'lost', 'handoff_missed', -50]]);
    } finally {
      await t.close();
    }
  });
});

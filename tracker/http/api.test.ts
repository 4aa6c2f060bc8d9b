import { spawnSync } from 'node:child_process';
import { listen, type RunningServer } from '../../common';
import { TRACKER_METRICS } from '../metric-names';
import { orderEvent, startEmbedded, type EmbeddedTracker, apiTestConfig, apiGet, model, READ_TOKEN } from '../test/fixtures';

const NOW = Date.UTC(2026, 10, 26, 12, 0, 0);
const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';

// No periodic sweep: at NOW the orders are past their limits, and whether a sweep ran between two
// requests would depend on how fast the machine is. The assertions are about what was applied.
const config = apiTestConfig({ traceBackend: 'jaeger', traceBackendUrl: 'https://jaeger.example/', sweepIntervalMs: 24 * 3_600_000 });

let t: EmbeddedTracker;
let server: RunningServer;

const get = (path: string, token: string | null = READ_TOKEN) => apiGet(server.url, path, token);

beforeAll(async () => {
  t = await startEmbedded({ config, now: () => NOW });
  await t.bus.publish([
    orderEvent('o-1', 'placed', '2026-11-26T10:00:00Z', { trace_id: TRACE, span_id: SPAN, attributes: { segment: 'b2b' } }),
    orderEvent('o-1', 'quote_requested', '2026-11-26T10:01:30Z'),
    orderEvent('o-1', 'pricing', '2026-11-26T10:10:00Z', { trace_id: TRACE }),
    orderEvent('o-2', 'placed', '2026-11-26T11:59:00Z', { attributes: { segment: 'b2c' } }),
    orderEvent('o-3', 'placed', '2026-11-26T10:00:00Z'),
    orderEvent('o-3', 'cancelled', '2026-11-26T10:05:00Z'),
    orderEvent('o-4', 'placed', '2026-11-26T09:00:00Z'),
    orderEvent('o-4', 'shipped', '2026-11-26T09:30:00Z'),
    ...Array.from({ length: 7 }, (_, i) => orderEvent(`p-${i}`, 'placed', Date.UTC(2026, 10, 26, 11, 0, 0) + (i % 3) * 60_000, { attributes: { segment: 'b2b' } })),
  ]);
  server = await listen(t.tracker.app, '127.0.0.1', 0);
});

afterAll(async () => {
  await server?.close();
  await t?.close();
});

describe('the tracker API', () => {
  describe('authentication', () => {
    it('answers 401 without a token, saying how to send one', async () => {
      const res = await get('/v1/orders/o-1', null);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toContain('Bearer');
      expect(res.body.error).toEqual({ code: 'missing_token', message: expect.stringContaining('Authorization: Bearer') });
    });

    it('answers 401 with an unknown token and 403 with a token lacking the read scope', async () => {
      expect((await get('/v1/orders', 'nope')).body.error.code).toBe('invalid_token');
      const forbidden = await get('/v1/orders', 'ingest-token');
      expect(forbidden.status).toBe(403);
      expect(forbidden.body.error.message).toBe('the token "shop-agent" does not have the read scope; use a token with scopes: [read]');
    });
  });

  describe('GET /v1/orders/:id', () => {
    it('gives the timeline: stays with durations and SLA verdicts, events with trace links', async () => {
      const { status, body } = await get('/v1/orders/o-1');
      expect(status).toBe(200);
      expect(body).toMatchObject({
        order_id: 'o-1',
        state: 'pricing',
        system: 'mes',
        state_since: '2026-11-26T10:10:00.000Z',
        time_in_state_seconds: 6600,
        status: 'open',
        segment: 'b2b',
        event_count: 3,
        violation_count: 0,
        lead_time_seconds: null,
        violations: [],
      });
      expect(body.stays).toEqual([
        { state: 'placed', system: 'shop', entered_at: '2026-11-26T10:00:00.000Z', left_at: '2026-11-26T10:01:30.000Z', duration_seconds: 90, sla_seconds: 120, sla_met: true },
        { state: 'quote_requested', system: 'shop', entered_at: '2026-11-26T10:01:30.000Z', left_at: '2026-11-26T10:10:00.000Z', duration_seconds: 510, sla_seconds: 300, sla_met: false },
        // Open and past its 15 min SLA: already a miss.
        { state: 'pricing', system: 'mes', entered_at: '2026-11-26T10:10:00.000Z', left_at: null, duration_seconds: 6600, sla_seconds: 900, sla_met: false },
      ]);
      expect(body.events.map((e: { state: string; trace_url: string | null }) => [e.state, e.trace_url])).toEqual([
        ['placed', `https://jaeger.example/trace/${TRACE}?uiFind=${SPAN}`],
        ['quote_requested', null],
        ['pricing', `https://jaeger.example/trace/${TRACE}`],
      ]);
      expect(body.events[0]).toMatchObject({ source: 'shop', seq: 0, trace_id: TRACE, span_id: SPAN, attributes: { segment: 'b2b' }, violation: null });
    });

    it("lists the trace ids of the order's events with their links, and the search for all its traces", async () => {
      const { status, body } = await get('/v1/orders/o-1/traces');
      expect(status).toBe(200);
      expect(body).toEqual({
        order_id: 'o-1',
        backend: 'jaeger',
        search_url: 'https://jaeger.example/search?tags=%7B%22order.id%22%3A%22o-1%22%7D',
        traces: [
          {
            trace_id: TRACE,
            trace_url: `https://jaeger.example/trace/${TRACE}?uiFind=${SPAN}`,
            events: [
              { event_id: expect.any(String), state: 'placed', source: 'shop', occurred_at: '2026-11-26T10:00:00.000Z', span_id: SPAN },
              { event_id: expect.any(String), state: 'pricing', source: 'mes', occurred_at: '2026-11-26T10:10:00.000Z', span_id: null },
            ],
          },
        ],
        events_without_trace: [{ event_id: expect.any(String), state: 'quote_requested', source: 'shop', occurred_at: '2026-11-26T10:01:30.000Z', span_id: null }],
      });
      expect((await get('/v1/orders/o-1')).body.traces_search_url).toBe(body.search_url);
      expect((await get('/v1/orders/o-nobody/traces')).status).toBe(404);
    });

    it('leaves sla_met null while the current stay is within its SLA, and for terminal states', async () => {
      expect((await get('/v1/orders/o-2')).body.stays).toEqual([expect.objectContaining({ state: 'placed', duration_seconds: 60, sla_met: null })]);
      const done = (await get('/v1/orders/o-3')).body;
      expect(done).toMatchObject({ status: 'done', lead_time_seconds: 300 });
      expect(done.stays[1]).toMatchObject({ state: 'cancelled', sla_seconds: null, sla_met: null });
    });

    it('lists conformance violations in plain words', async () => {
      const { body } = await get('/v1/orders/o-4');
      expect(body.violation_count).toBe(1);
      expect(body.violations).toEqual([
        {
          event_id: body.events[1].event_id,
          kind: 'disallowed_transition',
          state: 'shipped',
          occurred_at: '2026-11-26T09:30:00.000Z',
          message: '"placed" -> "shipped" is not an allowed transition (from "placed" the model allows: quote_requested, cancelled)',
        },
      ]);
    });

    it('answers 404 for an order it has never seen', async () => {
      const res = await get('/v1/orders/o-nobody');
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('order_not_found');
      expect(res.body.error.message).toContain('"o-nobody"');
    });
  });

  describe('GET /v1/orders', () => {
    it('lists orders longest in their state first, filtered', async () => {
      const { status, body } = await get('/v1/orders?state=placed&segment=b2b');
      expect(status).toBe(200);
      expect(body.orders.map((o: { order_id: string }) => o.order_id)).toEqual(['p-0', 'p-3', 'p-6', 'p-1', 'p-4', 'p-2', 'p-5']);
      expect(body.next_cursor).toBeNull();
      expect(body.orders[0]).toMatchObject({ state: 'placed', system: 'shop', state_since: '2026-11-26T11:00:00.000Z', time_in_state_seconds: 3600, status: 'open' });
      expect((await get('/v1/orders?status=done')).body.orders.map((o: { order_id: string }) => o.order_id)).toEqual(['o-4', 'o-3']);
    });

    it('pages with an opaque cursor until every order was listed once', async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const res: { body: { orders: { order_id: string }[]; next_cursor: string | null } } = await get(`/v1/orders?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
        seen.push(...res.body.orders.map((o) => o.order_id));
        cursor = res.body.next_cursor;
        pages += 1;
      } while (cursor);
      expect(pages).toBe(4);
      expect(seen).toHaveLength(11);
      expect(new Set(seen).size).toBe(11);
      expect(seen.slice(0, 2)).toEqual(['o-4', 'o-3']);
    });

    it.each([
      ['limit=0', 'limit: "0" is not a whole number from 1 to 500'],
      ['limit=501', 'limit: "501" is not a whole number from 1 to 500'],
      ['limit=ten', 'limit: "ten" is not a whole number from 1 to 500'],
      ['status=sleeping', 'status: "sleeping" is not a status (one of: open, stuck, lost, recovered, done)'],
      ['state=Pricing!', 'state: "Pricing!" is not a state name'],
      ['state=a&state=b', 'state: give it once'],
      ['stat=pricing', 'unknown query parameter "stat"'],
      ['cursor=bm90LWEtY3Vyc29y', 'cursor: not a cursor of this list'],
    ])('answers 400 for %s', async (query, message) => {
      const res = await get(`/v1/orders?${query}`);
      expect(res.status).toBe(400);
      expect(res.body.error.message).toContain(message);
    });
  });

  describe('operations endpoints', () => {
    it('serves metrics without a token, in a format promtool accepts', async () => {
      const res = await get('/metrics', null);
      expect(res.status).toBe(200);
      expect(res.text).toContain('orderscope_orders_in_state{state="placed"} 8');
      expect(res.text).toContain('orderscope_orders_in_state_oldest_age_seconds{state="pricing"} 6600');
      expect(res.text).toContain('orderscope_order_state_duration_seconds_bucket{le="120",state="placed"} 1');
      expect(res.text).toContain('orderscope_tracker_events_applied_total 15');
      for (const m of Object.values(TRACKER_METRICS)) expect(res.text).toContain(`# HELP ${m.name} `);
      const promtool = spawnSync('promtool', ['check', 'metrics'], { input: res.text, encoding: 'utf8' });
      expect(promtool.error).toBeUndefined();
      expect(`${promtool.stdout}${promtool.stderr}`.trim()).toBe('');
      expect(promtool.status).toBe(0);
    });

    it('serves OpenMetrics with exemplars to a scraper that asks for it: the trace of the event that ended a stay, in its time-in-state bucket', async () => {
      const res = await fetch(`${server.url}/metrics`, { headers: { accept: 'application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5' } });
      expect(res.headers.get('content-type')).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
      const text = await res.text();
      expect(text.endsWith('# EOF\n')).toBe(true);
      // o-1 left quote_requested after 510 s with its pricing event, in trace TRACE; its placed stay
      // ended with an event without a trace, so that bucket has no exemplar.
      const [le] = model.durationBuckets().filter((b) => b >= 510);
      expect(text).toMatch(new RegExp(`^orderscope_order_state_duration_seconds_bucket\\{le="${le}",state="quote_requested"\\} 1 # \\{trace_id="${TRACE}"\\} 510 [0-9.]+$`, 'm'));
      expect(text).toMatch(/^orderscope_order_state_duration_seconds_bucket\{le="120",state="placed"\} 1$/m);
      expect(text).toMatch(/^orderscope_tracker_events_applied_total 15$/m);
      // The Prometheus text format is what it was: counters keep their names.
      const plain = await get('/metrics', null);
      expect(plain.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
      expect(plain.text).toContain('orderscope_tracker_events_applied_total 15');
      expect(plain.text).not.toContain('# {trace_id=');
    });

    it('answers /healthz and /readyz', async () => {
      expect((await get('/healthz', null)).body).toEqual({ status: 'ok' });
      expect((await get('/readyz', null)).body).toEqual({ status: 'ready', checks: { database: 'ok', started: 'ok', bus: 'ok', instance: 'ok' } });
    });

    it('answers unknown endpoints with a JSON 404 naming the real ones', async () => {
      const res = await get('/v1/order/o-1');
      expect(res.status).toBe(404);
      expect(res.body.error.message).toContain('GET /v1/orders');
    });
  });
});

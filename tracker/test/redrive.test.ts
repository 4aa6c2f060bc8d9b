import express from 'express';
import { listen, type RunningServer } from '../../common';
import { ADMIN_TOKEN, apiTestConfig, metricValue, orderEvent, READ_TOKEN, redriveTestModel as modelWith, startEmbedded, type EmbeddedTracker } from './fixtures';

/*
 * Redrives through the tracker's API, against an owning system that is a real HTTP server in this
 * test: it answers the redrive of order "R-fail" with a 500 and takes every other one.
 */

const T0 = Date.UTC(2031, 2, 3, 8, 0, 0);

// Each test starts a tracker on PGlite and an owning system; on two busy cores that outlasts Jest's default.
jest.setTimeout(120_000);

describe('redrives', () => {
  let owner: RunningServer;
  const received: { path: string; authorization: string | undefined; body: unknown }[] = [];
  let t: EmbeddedTracker;
  let api: RunningServer;
  let now = T0;

  const post = (path: string, headers: Record<string, string> = {}) =>
    fetch(`${api.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...headers } });

  async function start(auto = ''): Promise<void> {
    t = await startEmbedded({ config: apiTestConfig({ autoRedriveIntervalMs: 0 }), model: modelWith(owner.url, auto), now: () => now });
    api = await listen(t.tracker.app, '127.0.0.1', 0);
    // Three orders placed, none picked up by pricing: lost at the handoff once 10 minutes have passed.
    await t.tracker.apply(['R-1', 'R-2', 'R-fail'].map((id) => orderEvent(id, 'placed', T0)));
    now = T0 + 11 * 60_000;
    await t.tracker.sweep();
  }

  beforeAll(async () => {
    process.env.OWNER_TOKEN = 'owner-secret';
    const app = express();
    app.use(express.json());
    app.post('/orders/:id/requote', (req, res) => {
      received.push({ path: req.path, authorization: req.headers.authorization, body: req.body });
      if (req.params.id === 'R-fail') res.status(500).json({ error: 'the outbox is full' });
      else res.status(202).json({ redriven: true });
    });
    owner = await listen(app, '127.0.0.1', 0);
  });
  afterAll(async () => {
    await owner.close();
    delete process.env.OWNER_TOKEN;
  });
  afterEach(async () => {
    await api.close();
    await t.close();
    received.length = 0;
    now = T0;
  });

  it('redrives one order with the model\'s action, records who and what the owner answered, and does not act twice for one key', async () => {
    await start();
    const first = await post('/v1/orders/R-1/redrive', { 'idempotency-key': 'page-42' });
    expect(first.status).toBe(200);
    const attempt = {
      order_id: 'R-1',
      state: 'placed',
      source: 'handoff placed -> pricing',
      action: `POST ${owner.url}/orders/{order_id}/requote`,
      result: 'done',
      answer: '202 {"redriven":true}',
      requested_by: 'oncall',
      requested_at: new Date(now).toISOString(),
    };
    expect(await first.json()).toEqual({ ...attempt, replayed: false });
    expect(received).toEqual([{ path: '/orders/R-1/requote', authorization: 'Bearer owner-secret', body: { order_id: 'R-1', state: 'placed' } }]);

    const again = await post('/v1/orders/R-1/redrive', { 'idempotency-key': 'page-42' });
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ ...attempt, replayed: true });
    expect(received).toHaveLength(1);

    const timeline = (await (await fetch(`${api.url}/v1/orders/R-1`, { headers: { authorization: `Bearer ${READ_TOKEN}` } })).json()) as { redrives: unknown[] };
    expect(timeline.redrives).toEqual([attempt]);
    expect(await metricValue(t.registry, 'orderscope_redrives_total', { state: 'placed', result: 'done' })).toBe(1);

    // The redrive worked and the order finished before the client retried: it still gets its attempt back.
    await t.tracker.apply([orderEvent('R-1', 'pricing', now), orderEvent('R-1', 'done', now + 1000)]);
    const late = await post('/v1/orders/R-1/redrive', { 'idempotency-key': 'page-42' });
    expect([late.status, await late.json()]).toEqual([200, { ...attempt, replayed: true }]);
    expect((await post('/v1/orders/R-1/redrive', { 'idempotency-key': 'page-43' })).status).toBe(409);
    expect(received).toHaveLength(1);
  });

  it('answers 502 with the owner\'s answer when it refuses, and counts the failure', async () => {
    await start();
    const res = await post('/v1/orders/R-fail/redrive', { 'idempotency-key': 'k1' });
    expect(res.status).toBe(502);
    expect(await res.json()).toMatchObject({ result: 'failed', answer: '500 {"error":"the outbox is full"}' });
    expect(await metricValue(t.registry, 'orderscope_redrives_total', { state: 'placed', result: 'failed' })).toBe(1);
  });

  it('refuses without the admin scope, a key, or an action, and for a finished or unknown order', async () => {
    await start();
    const read = await fetch(`${api.url}/v1/orders/R-1/redrive`, { method: 'POST', headers: { authorization: `Bearer ${READ_TOKEN}`, 'idempotency-key': 'k' } });
    expect(read.status).toBe(403);
    // A signed-in browser's cookie never redrives: POSTs take the bearer token only.
    const cookie = await fetch(`${api.url}/v1/orders/R-1/redrive`, { method: 'POST', headers: { cookie: `orderscope_token=${ADMIN_TOKEN}`, 'idempotency-key': 'k' } });
    expect(cookie.status).toBe(401);
    const keyless = await post('/v1/orders/R-1/redrive');
    expect(keyless.status).toBe(400);
    expect(((await keyless.json()) as { error: { message: string } }).error.message).toMatch(/^Idempotency-Key: give each redrive request a key of its own/);
    expect((await post('/v1/orders/NOPE/redrive', { 'idempotency-key': 'k' })).status).toBe(404);
    await t.tracker.apply([orderEvent('R-2', 'pricing', now), orderEvent('R-2', 'done', now + 1000)]);
    const finished = await post('/v1/orders/R-2/redrive', { 'idempotency-key': 'k' });
    expect(finished.status).toBe(409);
    expect(((await finished.json()) as { error: { message: string } }).error.message).toBe('order R-2 is done, a terminal state: there is nothing to redrive');
    expect(received).toEqual([]);
  });

  it('redrives the lost orders behind an alert in bulk, after a dry run that does nothing', async () => {
    await start();
    const dry = await post('/v1/lost/redrive?state=placed&dry_run=true');
    expect(dry.status).toBe(200);
    const planned = (await dry.json()) as { counts: Record<string, number>; orders: { order_id: string; would: string }[] };
    expect(planned.counts).toEqual({ redrive: 3 });
    expect(planned.orders.map((o) => [o.order_id, o.would])).toEqual([
      ['R-1', 'redrive'],
      ['R-2', 'redrive'],
      ['R-fail', 'redrive'],
    ]);
    expect(received).toEqual([]);

    const bulk = await post('/v1/lost/redrive?state=placed', { 'idempotency-key': 'incident-7' });
    const done = (await bulk.json()) as { counts: Record<string, number>; orders: { order_id: string; result: string }[] };
    expect(done.counts).toEqual({ done: 2, failed: 1 });
    expect(received.map((r) => r.path).sort()).toEqual(['/orders/R-1/requote', '/orders/R-2/requote', '/orders/R-fail/requote']);
    // The same request again: every order gets its first attempt back, nothing is called.
    const repeat = (await (await post('/v1/lost/redrive?state=placed', { 'idempotency-key': 'incident-7' })).json()) as { orders: { replayed: boolean }[] };
    expect(repeat.orders.map((o) => o.replayed)).toEqual([true, true, true]);
    expect(received).toHaveLength(3);
  });

  it('redrives by itself where the model says auto, at most `attempts` times, `backoff` apart', async () => {
    await start(', auto: { attempts: 2, backoff: 5m }');
    expect(await t.tracker.autoRedrive()).toBe(3);
    // Within the backoff: nothing.
    now += 60_000;
    expect(await t.tracker.autoRedrive()).toBe(0);
    now += 5 * 60_000;
    expect(await t.tracker.autoRedrive()).toBe(3);
    now += 10 * 60_000;
    expect(await t.tracker.autoRedrive()).toBe(0);
    expect(received).toHaveLength(6);
    const timeline = (await (await fetch(`${api.url}/v1/orders/R-fail`, { headers: { authorization: `Bearer ${READ_TOKEN}` } })).json()) as { redrives: { requested_by: string; result: string }[] };
    expect(timeline.redrives.map((r) => [r.requested_by, r.result])).toEqual([
      ['auto', 'failed'],
      ['auto', 'failed'],
    ]);
  });

  it('limits the rate of each action: a request beyond it is a 429 with Retry-After, and nothing is called', async () => {
    t = await startEmbedded({ config: apiTestConfig({ autoRedriveIntervalMs: 0, redriveRatePerSecond: 1, redriveBurst: 1 }), model: modelWith(owner.url), now: () => now });
    api = await listen(t.tracker.app, '127.0.0.1', 0);
    await t.tracker.apply(['R-1', 'R-2'].map((id) => orderEvent(id, 'placed', T0)));
    now = T0 + 11 * 60_000;
    expect((await post('/v1/orders/R-1/redrive', { 'idempotency-key': 'a' })).status).toBe(200);
    const limited = await post('/v1/orders/R-2/redrive', { 'idempotency-key': 'b' });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('1');
    expect(received).toHaveLength(1);
  });
});

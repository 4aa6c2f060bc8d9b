import { Registry } from 'prom-client';
import { createCollector, type Collector } from '../../collector';
import { hashToken, loadConfig, UnavailableError, listen, type RunningServer } from '../../common';
import type { OrderEvent } from '../../events';
import { type Db } from '../store';
import { apiGet, journey, metricValue, orderEvent, random, startEmbedded, storeSnapshot, type EmbeddedTracker } from './fixtures';
import { openTestPglite } from './pglite-template';

const T0 = Date.parse('2026-03-02T08:00:00Z');
const NOW = T0 + 30 * 24 * 3600_000;
const READ = 'dl-read-token';
const ADMIN = 'dl-admin-token';
const config = loadConfig({
  env: {},
  overrides: {
    collector: { host: '127.0.0.1', port: 0, rateLimitEventsPerSecond: 0 },
    tokens: [
      { name: 'reader', sha256: hashToken(READ), scopes: ['read'] },
      { name: 'oncall-admin', sha256: hashToken(ADMIN), sources: ['*'], scopes: ['read', 'admin', 'ingest'] },
    ],
  },
});

/** A constraint of the test's own that refuses one order id: a poison event that passes the contract. */
const REFUSED_ORDER = 'POISON-CONSTRAINT';
async function refuseOrder(db: Db): Promise<void> {
  await db.query(`ALTER TABLE events ADD CONSTRAINT test_refuses_order CHECK (order_id <> '${REFUSED_ORDER}')`);
}

/** Events the contract of an older collector let through and the database cannot hold. */
function unstorable(): OrderEvent[] {
  return [
    orderEvent('POISON-NUL', 'placed', T0, { attributes: { note: 'a\u0000b' } }),
    // PostgreSQL has no year 0.
    orderEvent('POISON-YEAR', 'placed', '0000-06-01T00:00:00Z'),
  ];
}

function goodEvents(): OrderEvent[] {
  const rnd = random(11);
  return Array.from({ length: 12 }, (_, i) => journey(`DL-${i}`, T0 + i * 60_000, 6, rnd)).flat();
}

async function letters(db: Db) {
  return db.query<{ id: number; order_id: string | null; reason: string; error: string; status: string; attempts: number; origin: unknown; resolved_by: string | null }>(
    `SELECT id::int AS id, order_id, reason, error, status, attempts, origin, resolved_by FROM dead_letters ORDER BY id`,
  );
}

// Each test starts two embedded trackers (two PGlite databases): on two busy cores that alone can
// take longer than the default 30 s, and the test never asserts on time.
jest.setTimeout(120_000);

describe('dead letters: an event that can never be applied costs only itself', () => {
  let t: EmbeddedTracker;
  let reference: EmbeddedTracker;
  beforeEach(async () => {
    t = await startEmbedded({ config, now: () => NOW });
    await refuseOrder(t.db);
    reference = await startEmbedded({ config, now: () => NOW });
  });
  afterEach(async () => {
    await t.close();
    await reference.close();
  });

  it('applies every other event of the batch exactly as without the poison, and keeps the poison with its reason', async () => {
    const good = goodEvents();
    const poison = [...unstorable(), orderEvent(REFUSED_ORDER, 'placed', T0)];
    await t.bus.publish([...good.slice(0, 30), ...poison, ...good.slice(30)]);
    await reference.bus.publish(good);

    expect(await storeSnapshot(t.db)).toEqual(await storeSnapshot(reference.db));
    const kept = await letters(t.db);
    expect(kept.map((l) => [l.order_id, l.reason, l.status, l.attempts, l.origin])).toEqual(
      expect.arrayContaining([
        ['POISON-NUL', 'data_exception', 'parked', 1, { publisher: 'in-process' }],
        ['POISON-YEAR', 'data_exception', 'parked', 1, { publisher: 'in-process' }],
        [REFUSED_ORDER, 'constraint_violation', 'parked', 1, { publisher: 'in-process' }],
      ]),
    );
    expect(kept).toHaveLength(3);
    expect(kept.find((l) => l.order_id === REFUSED_ORDER)!.error).toMatch(/test_refuses_order.*\(SQLSTATE 23514\)/);
    expect(await metricValue(t.registry, 'orderscope_dead_letters_total', { reason: 'data_exception' })).toBe(2);
    expect(await metricValue(t.registry, 'orderscope_dead_letters_total', { reason: 'constraint_violation' })).toBe(1);
    expect(await metricValue(t.registry, 'orderscope_dead_letters_parked', { reason: 'data_exception' })).toBe(2);
  });

  it('keeps one letter per event when the batch comes again, counting the attempt', async () => {
    const batch = [orderEvent('DL-ok', 'placed', T0), orderEvent(REFUSED_ORDER, 'placed', T0)];
    await t.tracker.apply(batch);
    await t.tracker.apply(batch);
    expect((await letters(t.db)).map((l) => [l.order_id, l.attempts])).toEqual([[REFUSED_ORDER, 2]]);
    expect(await t.db.query(`SELECT order_id FROM events ORDER BY order_id`)).toEqual([{ order_id: 'DL-ok' }]);
  });

  it('keeps a bus message that is not an order event byte for byte, with where it came from', async () => {
    const raw = Buffer.from([0x7b, 0xff, 0x00, 0x7d]);
    const origin = { topic: 'order-events', partition: 2, offset: '41' };
    await t.tracker.apply([orderEvent('DL-beside', 'placed', T0)], {
      origins: [{ topic: 'order-events', partition: 2, offset: '40' }],
      unreadable: [{ raw, reason: 'not_json', error: 'the message is not JSON in UTF-8: bad byte', origin }],
    });
    const [row] = await t.db.query<{ raw: Uint8Array; reason: string; origin: unknown }>(`SELECT raw, reason, origin FROM dead_letters`);
    expect(Buffer.from(row!.raw)).toEqual(raw);
    expect(row!.origin).toEqual(origin);
    expect(await t.db.query(`SELECT order_id FROM events`)).toEqual([{ order_id: 'DL-beside' }]);
  });

  it('retries a letter after the cause is fixed; a retry that still fails keeps it parked; drop is recorded', async () => {
    await t.tracker.apply([orderEvent(REFUSED_ORDER, 'placed', T0), orderEvent('POISON-NUL', 'placed', T0, { attributes: { note: 'a\u0000b' } })]);
    const kept = await letters(t.db);
    const refused = kept.find((l) => l.order_id === REFUSED_ORDER);
    const nul = kept.find((l) => l.order_id === 'POISON-NUL');

    const stillFailing = await t.tracker.retryDeadLetter(refused!.id, 'oncall-admin');
    expect(stillFailing).toMatchObject({ result: 'failed', letter: { status: 'parked', attempts: 2 } });

    await t.db.query('ALTER TABLE events DROP CONSTRAINT test_refuses_order');
    expect(await t.tracker.retryDeadLetter(refused!.id, 'oncall-admin')).toMatchObject({ result: 'retried', letter: { status: 'retried', resolvedBy: 'oncall-admin' } });
    expect(await t.db.query(`SELECT state FROM orders WHERE order_id = $1`, [REFUSED_ORDER])).toEqual([{ state: 'placed' }]);
    expect(await t.tracker.retryDeadLetter(refused!.id, 'oncall-admin')).toMatchObject({ result: 'not_parked' });

    // Today's contract refuses the NUL: a retry says so in the collector's words, and it stays parked.
    const again = await t.tracker.retryDeadLetter(nul!.id, 'oncall-admin');
    expect(again).toMatchObject({ result: 'failed', letter: { status: 'parked', reason: 'invalid_event' } });
    expect(await t.tracker.dropDeadLetter(nul!.id, 'oncall-admin')).toMatchObject({ result: 'dropped', letter: { status: 'dropped', resolvedBy: 'oncall-admin' } });
    expect(await t.tracker.dropDeadLetter(nul!.id, 'oncall-admin')).toMatchObject({ result: 'not_parked' });
    expect(await t.tracker.retryDeadLetter(9999, 'oncall-admin')).toEqual({ result: 'not_found' });
    expect(await metricValue(t.registry, 'orderscope_dead_letters_parked', { reason: 'invalid_event' })).toBe(0);
  });

  it('sets nothing aside when the database itself fails: the batch is refused, to come again', async () => {
    const failing = await openTestPglite();
    let isDown = false;
    const down: Db = {
      ...failing,
      description: 'a database that goes down',
      transaction: (fn) => (isDown ? Promise.reject(new UnavailableError('connection refused')) : failing.transaction(fn)),
    };
    const broken = await startEmbedded({ config, db: down, now: () => NOW });
    isDown = true;
    try {
      await expect(broken.tracker.apply([orderEvent('DL-down', 'placed', T0)])).rejects.toThrow('connection refused');
      expect(await failing.query(`SELECT count(*)::int AS n FROM dead_letters`)).toEqual([{ n: 0 }]);
    } finally {
      await broken.close();
    }
  }, 60_000);
});

describe('dead letters in embedded mode and over the API', () => {
  let t: EmbeddedTracker;
  let collector: Collector;
  let collectorUrl: string;
  let api: RunningServer;
  beforeAll(async () => {
    t = await startEmbedded({ config, now: () => NOW });
    await refuseOrder(t.db);
    collector = createCollector({ config, bus: t.bus, registry: new Registry(), now: () => NOW });
    collectorUrl = (await collector.start()).url;
    api = await listen(t.tracker.app, '127.0.0.1', 0);
  });
  afterAll(async () => {
    await collector.close();
    await api.close();
    await t.close();
  });

  const post = async (path: string, token: string | null) => {
    const res = await fetch(`${api.url}${path}`, { method: 'POST', headers: token ? { authorization: `Bearer ${token}` } : {} });
    return { status: res.status, body: (await res.json()) as { error?: { code: string; message: string } } & Record<string, unknown> };
  };

  it('answers 202 for the valid events of a mixed batch; the one that fails in apply becomes a dead letter, not a 503', async () => {
    const batch = [orderEvent('EMB-1', 'placed', T0), orderEvent(REFUSED_ORDER, 'placed', T0), orderEvent('EMB-2', 'placed', T0)];
    const res = await fetch(`${collectorUrl}/v1/events`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, body: JSON.stringify(batch) });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ accepted: 3, rejected: [] });
    expect(await t.db.query(`SELECT order_id FROM orders ORDER BY order_id`)).toEqual([{ order_id: 'EMB-1' }, { order_id: 'EMB-2' }]);
    expect((await letters(t.db)).map((l) => l.order_id)).toEqual([REFUSED_ORDER]);
  });

  it('lists and shows dead letters to a reader, and refuses wrong parameters with a 400 that says what to write', async () => {
    const list = await apiGet(api.url, '/v1/dead-letters?status=parked', READ);
    expect(list.status).toBe(200);
    expect(list.body.dead_letters).toHaveLength(1);
    const [letter] = list.body.dead_letters;
    expect(letter).toMatchObject({ status: 'parked', reason: 'constraint_violation', order_id: REFUSED_ORDER, attempts: 1, origin: { publisher: 'in-process' } });
    const one = await apiGet(api.url, `/v1/dead-letters/${letter.id}`, READ);
    expect(JSON.parse(one.body.raw)).toMatchObject({ order_id: REFUSED_ORDER, state: 'placed' });

    expect((await apiGet(api.url, '/v1/dead-letters?status=lost', READ)).body.error.message).toBe('status: "lost" is not a status (one of: parked, retried, dropped)');
    expect((await apiGet(api.url, '/v1/dead-letters?reason=x', READ)).status).toBe(400);
    expect((await apiGet(api.url, '/v1/dead-letters?limit=0', READ)).status).toBe(400);
    expect((await apiGet(api.url, '/v1/dead-letters?cursor=abc', READ)).status).toBe(400);
    expect((await apiGet(api.url, '/v1/dead-letters/0', READ)).status).toBe(400);
    expect((await apiGet(api.url, '/v1/dead-letters/77', READ)).status).toBe(404);
    expect((await apiGet(api.url, '/v1/dead-letters', null)).status).toBe(401);
  });

  it('retries and drops only with the admin scope, and answers 409 to a retry that still fails', async () => {
    const [letter] = await letters(t.db);
    expect((await post(`/v1/dead-letters/${letter!.id}/retry`, null)).status).toBe(401);
    expect((await post(`/v1/dead-letters/${letter!.id}/retry`, READ)).body.error!.code).toBe('missing_scope');
    const failed = await post(`/v1/dead-letters/${letter!.id}/retry`, ADMIN);
    expect(failed.status).toBe(409);
    expect(failed.body.error!.message).toMatch(/^dead letter \d+ still cannot be applied: .*test_refuses_order.*It stays parked \(attempt 2\)/);
    await t.db.query('ALTER TABLE events DROP CONSTRAINT test_refuses_order');
    const retried = await post(`/v1/dead-letters/${letter!.id}/retry`, ADMIN);
    expect(retried).toMatchObject({ status: 200, body: { status: 'retried', resolved_by: 'oncall-admin' } });
    expect((await post(`/v1/dead-letters/${letter!.id}/drop`, ADMIN)).status).toBe(409);
    expect((await apiGet(api.url, '/v1/dead-letters?status=parked', READ)).body.dead_letters).toEqual([]);
  });
});

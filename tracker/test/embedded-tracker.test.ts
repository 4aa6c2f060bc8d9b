import { TRACKER_METRICS } from '../metric-names';
import { histogram as rawHistogram, journey, metricValue, netStateDurations, orderEvent, random, shuffled, startEmbedded, storeSnapshot, type EmbeddedTracker } from './fixtures';

const M = TRACKER_METRICS;

/** The histogram with sums rounded to the microsecond (restored sums are added in another order). */
async function histogram(...args: Parameters<typeof rawHistogram>) {
  const h = await rawHistogram(...args);
  for (const v of Object.values(h)) v.sum = Math.round(v.sum * 1e6) / 1e6;
  return h;
}
const T0 = Date.UTC(2026, 10, 26, 8, 0, 0);

/** Observed minus retracted per state: what the histogram says the stored stays are. */
const netDurations = (t: EmbeddedTracker, observed: string, retracted: string) => netStateDurations(t.registry, observed, retracted);

describe('the tracker in embedded mode (PGlite, in-process bus)', () => {
  it('stores an order\'s events, stays and current state', async () => {
    const t = await startEmbedded();
    try {
      await t.bus.publish([
        orderEvent('o-1', 'placed', '2026-11-26T10:00:00Z', { attributes: { segment: 'b2b' } }),
        orderEvent('o-1', 'quote_requested', '2026-11-26T10:01:30Z'),
        orderEvent('o-1', 'pricing', '2026-11-26T10:04:00.25Z'),
      ]);
      const [order] = await t.db.query<Record<string, unknown>>(
        `SELECT state, system, status, segment, event_count, stay_count, state_since::text FROM orders WHERE order_id = 'o-1'`,
      );
      expect(order).toEqual({ state: 'pricing', system: 'mes', status: 'open', segment: 'b2b', event_count: 3, stay_count: 3, state_since: '2026-11-26 10:04:00.25+00' });
      // The closed stays; the open one is the order's current state.
      const stays = await t.db.query(`SELECT seq_no, state, system, duration_seconds FROM stays WHERE order_id = 'o-1' ORDER BY seq_no`);
      expect(stays).toEqual([
        { seq_no: 0, state: 'placed', system: 'shop', duration_seconds: 90 },
        { seq_no: 1, state: 'quote_requested', system: 'shop', duration_seconds: 150.25 },
      ]);
      expect((await histogram(t.registry, M.stateDuration.name)).placed).toMatchObject({ count: 1, sum: 90 });
      expect(await metricValue(t.registry, M.eventsApplied.name)).toBe(3);
    } finally {
      await t.close();
    }
  });

  it('gives the same result when the same events are applied twice', async () => {
    const t = await startEmbedded();
    try {
      const events = journey('o-twice', T0, 9, random(1));
      await t.bus.publish(events);
      const once = await storeSnapshot(t.db);
      const histogramOnce = await histogram(t.registry, M.stateDuration.name);
      await t.bus.publish(events);
      await t.bus.publish([...events].reverse());
      expect(await storeSnapshot(t.db)).toEqual(once);
      expect(await histogram(t.registry, M.stateDuration.name)).toEqual(histogramOnce);
      expect(await metricValue(t.registry, M.eventsApplied.name)).toBe(9);
      expect(await metricValue(t.registry, M.duplicateEvents.name)).toBe(18);
    } finally {
      await t.close();
    }
  });

  it('200 events for 20 orders, shuffled and duplicated, give exactly the stays and histograms of the in-order stream', async () => {
    const rnd = random(42);
    const inOrder = Array.from({ length: 20 }, (_, i) => journey(`o-${String(i).padStart(2, '0')}`, T0 + i * 90_000, 10, rnd))
      .flat()
      .sort((a, b) => Date.parse(a.occurred_at) - Date.parse(b.occurred_at));
    expect(inOrder).toHaveLength(200);
    const messy = shuffled([...inOrder, ...inOrder.filter(() => rnd() < 0.3)], rnd);

    const reference = await startEmbedded();
    const tested = await startEmbedded();
    try {
      for (const e of inOrder) await reference.bus.publish([e]);
      // Batches of 1 to 7 events, so that late events keep splitting stays that were already closed.
      for (let i = 0; i < messy.length; ) {
        const size = 1 + Math.floor(rnd() * 7);
        await tested.bus.publish(messy.slice(i, i + size));
        i += size;
      }

      expect(await storeSnapshot(tested.db)).toEqual(await storeSnapshot(reference.db));
      // The shuffle did make late events rewrite stays that were already closed and observed.
      const taken = Object.values(await histogram(tested.registry, M.stateDurationRetracted.name)).reduce((n, h) => n + h.count, 0);
      expect(taken).toBeGreaterThan(10);
      for (const [observed, retracted] of [
        [M.stateDuration.name, M.stateDurationRetracted.name],
        [M.leadTime.name, M.leadTimeRetracted.name],
      ] as const) {
        const expected = await netDurations(reference, observed, retracted);
        expect(await netDurations(tested, observed, retracted)).toEqual(expected);
        // In order, nothing is ever taken back; shuffled, what is taken back was observed first.
        expect(Object.values(await histogram(reference.registry, retracted)).every((h) => h.count === 0)).toBe(true);
      }
      const closedStays = await reference.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM stays WHERE left_at IS NOT NULL`);
      const total = Object.values(await netDurations(tested, M.stateDuration.name, M.stateDurationRetracted.name)).reduce((n, h) => n + h.count, 0);
      expect(total).toBe(closedStays[0]!.n);
      expect(await metricValue(tested.registry, M.eventsApplied.name)).toBe(200);
      expect(await metricValue(tested.registry, M.duplicateEvents.name)).toBe(messy.length - 200);
    } finally {
      await Promise.all([reference.close(), tested.close()]);
    }
  });

  it('when a late event splits a closed stay, the old stay is retracted and both parts observed', async () => {
    const t = await startEmbedded();
    try {
      await t.bus.publish([orderEvent('o-late', 'placed', '2026-11-26T10:00:00Z'), orderEvent('o-late', 'pricing', '2026-11-26T10:10:00Z')]);
      expect(await metricValue(t.registry, M.conformanceViolations.name, { kind: 'disallowed_transition' })).toBe(1);
      await t.bus.publish([orderEvent('o-late', 'quote_requested', '2026-11-26T10:03:00Z')]);

      const observed = await histogram(t.registry, M.stateDuration.name);
      const retracted = await histogram(t.registry, M.stateDurationRetracted.name);
      expect([observed.placed!.count, observed.placed!.sum, observed.quote_requested!.sum]).toEqual([2, 600 + 180, 420]);
      expect([retracted.placed!.count, retracted.placed!.sum]).toEqual([1, 600]);
      const [order] = await t.db.query<{ violation_count: number }>(`SELECT violation_count FROM orders WHERE order_id = 'o-late'`);
      expect(order!.violation_count).toBe(0);
      expect(await t.db.query(`SELECT count(*)::int AS n FROM events WHERE order_id = 'o-late' AND violation IS NOT NULL`)).toEqual([{ n: 0 }]);
    } finally {
      await t.close();
    }
  });

  it('keeps events that break the model, flags and counts them, and stores their stays', async () => {
    const t = await startEmbedded();
    try {
      await t.bus.publish([
        orderEvent('o-odd', 'placed', '2026-11-26T10:00:00Z'),
        orderEvent('o-odd', 'fraud_check', '2026-11-26T10:01:00Z', { source: 'crm' }),
        orderEvent('o-odd', 'cancelled', '2026-11-26T10:02:00Z'),
      ]);
      expect((await histogram(t.registry, M.leadTime.name)).cancelled).toMatchObject({ count: 1, sum: 120 });
      await t.bus.publish([orderEvent('o-odd', 'pricing', '2026-11-26T10:03:00Z')]);
      const flags = await t.db.query(`SELECT state, violation FROM events WHERE order_id = 'o-odd' AND violation IS NOT NULL ORDER BY occurred_at`);
      expect(flags).toEqual([
        { state: 'fraud_check', violation: 'unknown_state' },
        { state: 'pricing', violation: 'after_terminal' },
      ]);
      expect(await t.db.query(`SELECT state, system FROM stays WHERE order_id = 'o-odd' ORDER BY seq_no`)).toEqual([
        { state: 'placed', system: 'shop' },
        { state: 'fraud_check', system: 'crm' },
        { state: 'cancelled', system: 'crm' },
      ]);
      expect(await t.db.query(`SELECT state, system, status FROM orders WHERE order_id = 'o-odd'`)).toEqual([{ state: 'pricing', system: 'mes', status: 'open' }]);
      expect(await metricValue(t.registry, M.conformanceViolations.name, { kind: 'unknown_state' })).toBe(1);
      expect(await metricValue(t.registry, M.conformanceViolations.name, { kind: 'after_terminal' })).toBe(1);
      // The unknown state never becomes a label; its stay is counted as not observed.
      expect(Object.keys(await histogram(t.registry, M.stateDuration.name))).not.toContain('fraud_check');
      expect(await metricValue(t.registry, M.dropped.name, { reason: 'unknown_state' })).toBe(1);
      // Reopened after cancelled: the lead time observed when it was cancelled is taken back.
      expect((await histogram(t.registry, M.leadTimeRetracted.name)).cancelled).toMatchObject({ count: 1, sum: 120 });
    } finally {
      await t.close();
    }
  });

  it('after a restart, continues its histograms from the store and observes nothing twice on redelivery', async () => {
    const first = await startEmbedded({ instance: 'tracker-a' });
    const events = Array.from({ length: 5 }, (_, i) => journey(`o-r${i}`, T0 + i * 1000, 9, random(i))).flat();
    await first.bus.publish(events.slice(0, 30));
    await first.bus.publish([orderEvent('o-r0', 'placed', T0 - 60_000)]); // moves a closed stay: a retraction
    const before = {
      observed: await histogram(first.registry, M.stateDuration.name),
      retracted: await histogram(first.registry, M.stateDurationRetracted.name),
      lead: await histogram(first.registry, M.leadTime.name),
    };
    await first.close(true);

    const second = await startEmbedded({ db: first.db, instance: 'tracker-a' });
    try {
      expect(await histogram(second.registry, M.stateDuration.name)).toEqual(before.observed);
      expect(await histogram(second.registry, M.stateDurationRetracted.name)).toEqual(before.retracted);
      expect(await histogram(second.registry, M.leadTime.name)).toEqual(before.lead);
      // The bus delivers the last batches again (their offsets were not committed): nothing changes.
      await second.bus.publish(events.slice(0, 30));
      expect(await histogram(second.registry, M.stateDuration.name)).toEqual(before.observed);
      expect(await metricValue(second.registry, M.eventsApplied.name)).toBe(0);
      await second.bus.publish(events.slice(30));
      const closed = await second.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM stays WHERE left_at IS NOT NULL`);
      const net = Object.values(await netDurations(second, M.stateDuration.name, M.stateDurationRetracted.name)).reduce((n, h) => n + h.count, 0);
      expect(net).toBe(closed[0]!.n);
    } finally {
      await second.close();
    }
    // Another instance on the same store starts from zero: summed over instances, nothing counts twice.
  });

  it('refuses batches once closing, so that the bus keeps them', async () => {
    const t = await startEmbedded();
    await t.tracker.close();
    await expect(t.tracker.apply([orderEvent('o-closed', 'placed', T0)])).rejects.toThrow('shutting down');
    await t.close();
  });
});

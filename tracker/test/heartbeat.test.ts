import { heartbeatEvent } from '../../events';
import { faultyDb, metricValue, orderEvent, startEmbedded, storeSnapshot, type EmbeddedTracker } from './fixtures';
import { openTestPglite } from './pglite-template';

const T0 = Date.UTC(2033, 3, 4, 5, 6, 7);
const NOW = T0 + 60_000;

// Each test opens two embedded trackers (two PGlite databases): on a loaded two-core machine that
// alone can pass the global 30 s.
jest.setTimeout(120_000);

describe('collector heartbeats in the tracker (embedded mode, PGlite)', () => {
  let t: EmbeddedTracker;
  let reference: EmbeddedTracker;
  beforeEach(async () => {
    t = await startEmbedded({ now: () => NOW });
    reference = await startEmbedded({ now: () => NOW });
  });
  afterEach(async () => {
    await t.close();
    await reference.close();
  });

  it('never become orders, stays, events rows or order metrics; only the heartbeat gauge moves', async () => {
    const orders = [orderEvent('HB-1', 'placed', T0), orderEvent('HB-1', 'quote_requested', T0 + 1000)];
    await t.bus.publish([heartbeatEvent('orderscope.heartbeat:0', T0), orders[0]!, heartbeatEvent('orderscope.heartbeat:0', T0 + 5000), orders[1]!]);
    await t.bus.publish([heartbeatEvent('orderscope.heartbeat:0', T0 + 2000)]);
    await reference.bus.publish(orders);

    expect(await storeSnapshot(t.db)).toEqual(await storeSnapshot(reference.db));
    expect(await t.db.query(`SELECT count(*)::int AS n FROM orders WHERE order_id LIKE 'orderscope.%'`)).toEqual([{ n: 0 }]);
    expect(await t.db.query(`SELECT count(*)::int AS n FROM dead_letters`)).toEqual([{ n: 0 }]);
    for (const name of ['orderscope_tracker_events_applied_total', 'orderscope_orders_in_state', 'orderscope_tracker_conformance_violations_total']) {
      expect((await t.registry.getSingleMetric(name)!.get()).values).toEqual((await reference.registry.getSingleMetric(name)!.get()).values);
    }
    expect(await metricValue(t.registry, 'orderscope_tracker_heartbeat_last_applied_timestamp_seconds', { partition: 'in-process' })).toBe((T0 + 5000) / 1000);
    expect(t.tracker.heartbeats()).toEqual([{ partition: 'in-process', occurredAtMs: T0 + 5000 }]);
    expect((await reference.registry.getSingleMetric('orderscope_tracker_heartbeat_last_applied_timestamp_seconds')!.get()).values).toEqual([]);
  });

  it('a batch of heartbeats only is not recorded while the database refuses commits, and is once it is back', async () => {
    const db = faultyDb(await openTestPglite());
    const down = await startEmbedded({ db, now: () => NOW });
    try {
      db.setUnreachable(true);
      await expect(down.bus.publish([heartbeatEvent('orderscope.heartbeat:0', T0)])).rejects.toThrow(/unreachable/);
      expect(down.tracker.heartbeats()).toEqual([]);
      db.setUnreachable(false);
      await down.bus.publish([heartbeatEvent('orderscope.heartbeat:0', T0 + 1000)]);
      expect(down.tracker.heartbeats()).toEqual([{ partition: 'in-process', occurredAtMs: T0 + 1000 }]);
    } finally {
      await down.close();
    }
  });
});

import { Registry } from 'prom-client';
import { InProcessBus } from '../../bus';
import { loadConfig, type Config } from '../../common';
import { TRACKER_METRICS } from '../metric-names';
import { type Db } from '../store';
import { createTracker } from '../tracker';
import {
  faultyDb,
  histogram,
  journey,
  metricValue,
  model,
  netStateDurations,
  orderEvent,
  random,
  shuffled,
  staysHistogram,
  startEmbedded,
  waitFor,
  type HistogramByState,
} from './fixtures';
import { openTestPglite } from './pglite-template';

/*
 * The duration histograms are the store's totals for the instance: after a restart, after batches,
 * after a commit whose outcome was lost. And one instance name is exported by one live process.
 */

const M = TRACKER_METRICS;
const T0 = Date.UTC(2026, 10, 26, 8, 0, 0);
const BOUNDS = model.durationBuckets();

/** What the histograms of `registry` say the stored stays are. */
const exported = (registry: Registry) => netStateDurations(registry, M.stateDuration.name, M.stateDurationRetracted.name);

/** The events of `orders` orders with late ones among them, in batches of 1 to 7. */
function messyBatches(seed: number, orders: number, prefix: string) {
  const rnd = random(seed);
  const events = Array.from({ length: orders }, (_, i) => journey(`${prefix}-${i}`, T0 + i * 90_000, 10, rnd)).flat();
  const messy = shuffled([...events, ...events.filter(() => rnd() < 0.2)], rnd);
  const batches = [];
  for (let i = 0; i < messy.length; ) {
    const size = 1 + Math.floor(rnd() * 7);
    batches.push(messy.slice(i, i + size));
    i += size;
  }
  return batches;
}

/** The histogram a series of per-bucket rows makes, computed here on its own (cumulative, +Inf = count). */
function fromRows(rows: readonly { state: string; le: number; count: number; sum: number }[]): HistogramByState {
  const out: HistogramByState = {};
  for (const r of rows) {
    const e = (out[r.state] ??= { count: 0, sum: 0, buckets: Object.fromEntries([...BOUNDS.map(String), '+Inf'].map((le) => [le, 0])) });
    e.count += r.count;
    e.sum += r.sum;
    for (const le of [...BOUNDS, Infinity]) if (r.le <= le) e.buckets[le === Infinity ? '+Inf' : String(le)]! += r.count;
  }
  return out;
}

function leaseConfig(tracker: Partial<Config['tracker']>): Config {
  return loadConfig({ env: {}, overrides: { tracker: { sweepIntervalMs: 3_600_000, ...tracker } } });
}

describe('the duration histograms are the stored totals', () => {
  it('after a start on an existing store: bucket counts and sums per state, in time of the buckets, not of the observations', async () => {
    const db = await openTestPglite();
    const first = await startEmbedded({ db, instance: 'tracker-a' });
    for (const batch of messyBatches(3, 15, 'r')) await first.bus.publish(batch);
    await first.close(true);
    // Ten million observations in one bucket: re-observing them one by one would take minutes.
    await db.query(
      `INSERT INTO histogram_totals (observer, metric, state, le, count, sum) VALUES ('tracker-a', $1, 'pricing', 600, 10000000, 4500000000)
       ON CONFLICT (observer, metric, state, le) DO UPDATE SET count = histogram_totals.count + 10000000, sum = histogram_totals.sum + 4500000000`,
      [M.stateDuration.name],
    );

    const second = await startEmbedded({ db, instance: 'tracker-a' });
    try {
      for (const key of ['stateDuration', 'stateDurationRetracted', 'leadTime', 'leadTimeRetracted'] as const) {
        const rows = await db.query<{ state: string; le: number; count: number; sum: number }>(
          `SELECT state, le, count::float8 AS count, sum FROM histogram_totals WHERE observer = 'tracker-a' AND metric = $1`,
          [M[key].name],
        );
        const expected = fromRows(rows);
        const got = await histogram(second.registry, M[key].name);
        for (const [state, h] of Object.entries(expected)) {
          expect({ state, ...got[state], sum: Math.round(got[state]!.sum * 1e3) }).toEqual({ state, ...h, sum: Math.round(h.sum * 1e3) });
        }
        // Series of the model's states exist at zero from the start, stored or not.
        const states = key.startsWith('lead') ? model.states.filter((s) => s.terminal) : model.states;
        for (const s of states) expect(got[s.name]).toBeDefined();
      }
      expect((await histogram(second.registry, M.stateDuration.name)).pricing!.count).toBeGreaterThan(10_000_000);
    } finally {
      await second.close();
    }
  });

  it('after batches with late events and redeliveries: observed minus retracted is the stored stays, bucket by bucket', async () => {
    const t = await startEmbedded({ instance: 'tracker-b' });
    try {
      for (const batch of messyBatches(11, 20, 'b')) await t.bus.publish(batch);
      expect(Object.values(await histogram(t.registry, M.stateDurationRetracted.name)).reduce((n, h) => n + h.count, 0)).toBeGreaterThan(5);
      expect(await exported(t.registry)).toEqual(await staysHistogram(t.db, BOUNDS));
    } finally {
      await t.close();
    }
  });

  it('after a commit whose outcome was lost: the retry finds the events stored, and the histograms still have them', async () => {
    const db = faultyDb(await openTestPglite());
    const t = await startEmbedded({ db, instance: 'tracker-c' });
    try {
      await t.bus.publish(journey('c-1', T0, 5, random(1)));
      const closedBefore = Object.values(await staysHistogram(db, BOUNDS)).reduce((n, h) => n + h.count, 0);
      const batch = [...journey('c-2', T0, 9, random(2)), orderEvent('c-1', 'assigned', T0 + 3_600_000)];
      db.loseNextCommitOutcome();
      await t.bus.publish(batch);
      expect(db.commitsLost).toBe(1);
      // The retry saw every event of the batch as a duplicate: it observed nothing itself.
      expect(await metricValue(t.registry, M.duplicateEvents.name)).toBe(batch.length);
      const stays = await staysHistogram(db, BOUNDS);
      // ... while the lost commit did store new closed stays, which only the totals it committed have.
      expect(Object.values(stays).reduce((n, h) => n + h.count, 0)).toBeGreaterThan(closedBefore + 5);
      expect(await exported(t.registry)).toEqual(stays);
    } finally {
      await t.close();
    }
  });
});

describe('one live process per tracker instance', () => {
  it('a second process with the same instance does not start, nor export it, while the first lives', async () => {
    const db = await openTestPglite();
    const first = await startEmbedded({ db, instance: 'shared', config: leaseConfig({ instanceLeaseRenewMs: 20 }) });
    const registry = new Registry();
    const second = await createTracker({
      config: leaseConfig({ instanceLeaseRenewMs: 20, instanceLeaseWaitMs: 100 }),
      model,
      source: new InProcessBus(),
      store: db,
      registry,
      instance: 'shared',
    });
    try {
      await first.bus.publish(journey('s-1', T0, 6, random(5)));
      await expect(second.start()).rejects.toThrow(/tracker instance "shared" is held by another live process \(host .*, pid \d+.*tracker\.instance \(ORDERSCOPE_TRACKER_INSTANCE\)/);
      expect(await histogram(registry, M.stateDuration.name)).toEqual({});
      expect(await exported(first.registry)).toEqual(await staysHistogram(db, BOUNDS));
      // A different name is a different instance: it starts at once, from zero.
      const other = await startEmbedded({ db, instance: 'other' });
      expect(await exported(other.registry)).toEqual({});
      await other.close(true);
    } finally {
      await second.close();
      await first.close();
    }
  });

  it('takes the instance over once the first one\'s lease expired; the first then applies nothing and exports nothing', async () => {
    let clock = T0;
    const now = () => clock;
    const store = await openTestPglite();
    const firstDb = faultyDb(store);
    const first = await startEmbedded({ db: firstDb, instance: 'moved', now, config: leaseConfig({ instanceLeaseTtlMs: 15_000, instanceLeaseRenewMs: 20 }) });
    await first.bus.publish(journey('m-1', T0, 6, random(6)));
    // The first process can no longer reach the database (a network partition, or a hung process):
    // it cannot renew. A successor waits while the lease lasts.
    firstDb.setUnreachable(true);
    const second = startEmbedded({ db: store, instance: 'moved', now, config: leaseConfig({ instanceLeaseTtlMs: 15_000, instanceLeaseRenewMs: 20 }) });
    let secondStarted = false;
    void second.then(
      () => (secondStarted = true),
      () => (secondStarted = true),
    );
    await waitFor('a renewal attempt of the cut-off process', async () => (await metricValue(first.registry, M.failures.name, { operation: 'renew_instance_lease' })) >= 2);
    expect(secondStarted).toBe(false);

    clock += 15_000;
    const successor = await second;
    try {
      await successor.bus.publish(journey('m-2', T0, 7, random(7)));
      expect(await exported(successor.registry)).toEqual(await staysHistogram(store, BOUNDS));

      // The first one reaches the database again: its next renewal finds the instance taken.
      firstDb.setUnreachable(false);
      await waitFor('the first process to notice', async () => (await metricValue(first.registry, M.instanceLeaseLost.name)) === 1);
      expect(await histogram(first.registry, M.stateDuration.name)).toEqual({});
      const totals = await store.query('SELECT metric, state, le, count, sum FROM histogram_totals ORDER BY 1, 2, 3');
      await expect(first.tracker.apply(journey('m-3', T0, 8, random(8)))).rejects.toMatchObject({ code: 'instance_taken', retriable: true });
      expect(await store.query(`SELECT count(*)::int AS n FROM events WHERE order_id = 'm-3'`)).toEqual([{ n: 0 }]);
      expect(await store.query('SELECT metric, state, le, count, sum FROM histogram_totals ORDER BY 1, 2, 3')).toEqual(totals);
      expect(await exported(successor.registry)).toEqual(await staysHistogram(store, BOUNDS));
    } finally {
      await first.close(true);
      await successor.close();
    }
  });

  it('a process that closed gives its instance up: the next one starts at once and continues its histograms', async () => {
    const db: Db = await openTestPglite();
    const first = await startEmbedded({ db, instance: 'handed-over', config: leaseConfig({ instanceLeaseWaitMs: 0 }) });
    await first.bus.publish(journey('h-1', T0, 9, random(9)));
    const before = await exported(first.registry);
    await first.close(true);
    const second = await startEmbedded({ db, instance: 'handed-over', config: leaseConfig({ instanceLeaseWaitMs: 0 }) });
    try {
      expect(await exported(second.registry)).toEqual(before);
    } finally {
      await second.close();
    }
  });
});

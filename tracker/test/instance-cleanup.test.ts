import { loadConfig } from '../../common';
import { TRACKER_METRICS } from '../metric-names';
import { addHistogramTotals } from '../histograms';
import { migrate, releaseLease, removeGoneInstances, takeLease, type Db, type LeaseClaim } from '../store';
import { metricValue, startEmbedded } from './fixtures';
import { openTestPglite } from './pglite-template';

/*
 * A tracker instance that never comes back under its name (a pod restarted with a new host name)
 * leaves a lease row and histogram totals behind: they are removed a retention after its lease
 * expired, never sooner, and never while anyone holds the name.
 */

const T0 = Date.UTC(2026, 10, 26, 8, 0, 0);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const claim = (instance: string): LeaseClaim => ({ instance, holder: `${instance}-holder`, host: 'pod', pid: 1 });
const total = { metric: 'orderscope_order_state_duration_seconds', state: 'pricing', le: 60, count: 3, sum: 90 };

async function instances(db: Db): Promise<string[]> {
  return (await db.query<{ instance: string }>('SELECT instance FROM tracker_instances ORDER BY instance')).map((r) => r.instance);
}
async function observers(db: Db): Promise<string[]> {
  return (await db.query<{ observer: string }>('SELECT DISTINCT observer FROM histogram_totals ORDER BY observer')).map((r) => r.observer);
}

/** An instance that took its lease at `takenAt`, added to its totals, and whose lease runs until `expiresAt`. */
async function instance(db: Db, name: string, takenAt: number, expiresAt: number): Promise<void> {
  expect(await takeLease(db, claim(name), takenAt, expiresAt)).toEqual({ taken: true });
  await db.transaction((tx) => addHistogramTotals(tx, name, [total]));
}

describe('removing tracker instances gone for good', () => {
  let db: Db;
  beforeAll(async () => {
    db = await openTestPglite();
    await migrate(db);
  });
  afterAll(() => db.close());
  beforeEach(async () => {
    await db.query('DELETE FROM histogram_totals');
    await db.query('DELETE FROM tracker_instances');
  });

  it('removes the lease and the totals of instances expired longer ago than the retention, and nothing else', async () => {
    await instance(db, 'gone', T0 - 3 * DAY, T0 - DAY - 1);
    await instance(db, 'expired-recently', T0 - 2 * DAY, T0 - DAY + 1);
    await instance(db, 'live', T0 - 5 * DAY, T0 + 15_000);

    expect(await removeGoneInstances(db, T0 - DAY, T0)).toEqual(['gone']);
    expect(await instances(db)).toEqual(['expired-recently', 'live']);
    expect(await observers(db)).toEqual(['expired-recently', 'live']);
    // Once is all: a second run finds nothing more.
    expect(await removeGoneInstances(db, T0 - DAY, T0)).toEqual([]);
  });

  it('counts a released instance from its release, and a successor under the name keeps its totals', async () => {
    await instance(db, 'pod-a', T0 - HOUR, T0 + 15_000);
    await releaseLease(db, claim('pod-a'), T0);
    expect(await removeGoneInstances(db, T0 + DAY - 1 - DAY, T0 + DAY - 1)).toEqual([]);

    // Back within the retention under the same name: its lease, and its totals, continue.
    expect(await takeLease(db, { ...claim('pod-a'), holder: 'restarted' }, T0 + DAY - 1, T0 + DAY + 15_000)).toEqual({ taken: true });
    expect(await removeGoneInstances(db, T0 + 2 * DAY - DAY, T0 + 2 * DAY)).toEqual([]);
    expect(await observers(db)).toEqual(['pod-a']);

    await releaseLease(db, { ...claim('pod-a'), holder: 'restarted' }, T0 + 2 * DAY);
    expect(await removeGoneInstances(db, T0 + 3 * DAY + 1 - DAY, T0 + 3 * DAY + 1)).toEqual(['pod-a']);
    expect(await observers(db)).toEqual([]);
  });

  it('gives totals without a lease row (left by an earlier version, which deleted the row on release) a retention from when they are first seen', async () => {
    await db.transaction((tx) => addHistogramTotals(tx, 'from-before', [total]));
    expect(await removeGoneInstances(db, T0 - DAY, T0)).toEqual([]);
    expect(await instances(db)).toEqual(['from-before']);
    expect(await removeGoneInstances(db, T0, T0 + DAY)).toEqual([]);
    expect(await removeGoneInstances(db, T0 + 1, T0 + DAY + 1)).toEqual(['from-before']);
    expect(await observers(db)).toEqual([]);
  });

  it('is run by a live tracker, which counts what it removed and keeps its own instance', async () => {
    await instance(db, 'old-pod', T0 - 3 * DAY, T0 - 2 * DAY);
    let now = T0;
    const config = loadConfig({ env: { ORDERSCOPE_TRACKER_INSTANCE_RETENTION_MS: String(DAY) }, overrides: { tracker: { sweepIntervalMs: HOUR } } });
    const tracker = await startEmbedded({ db, instance: 'new-pod', config, now: () => now });
    try {
      await expect(tracker.tracker.removeGoneInstances()).resolves.toEqual(['old-pod']);
      expect(await instances(db)).toEqual(['new-pod']);
      expect(await observers(db)).toEqual([]);
      expect(await metricValue(tracker.registry, TRACKER_METRICS.instancesRemoved.name)).toBe(1);

      // Its own instance is never removed, even when its clock ran far ahead of its last renewal.
      now = T0 + 10 * DAY;
      await expect(tracker.tracker.removeGoneInstances()).resolves.toEqual([]);
      expect(await instances(db)).toEqual(['new-pod']);
    } finally {
      await tracker.close(true);
    }
  });
});

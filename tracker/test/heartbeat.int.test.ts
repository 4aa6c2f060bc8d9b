import { Registry } from 'prom-client';
import { DEFAULT_ALERT_OPTIONS } from '../../alerts';
import { generatedAlertExpr, promqlExprTest } from '../../alerts/test/rule-expression';
import { heartbeatOrderIds, KafkaPublisher, KafkaSource } from '../../bus';
import { BROKERS, deleteTopic, freshTopic, KAFKA_CLIENT } from '../../bus/test/kafka-topic';
import { createCollector, type Collector } from '../../collector';
import { loadConfig, parseDuration, silentLogger } from '../../common';
import { createTracker, type Tracker } from '../tracker';
import { openPostgres, type Db } from '../store';
import { model, waitForValue } from './fixtures';
import { createTestDatabase } from './postgres';

/**
 * The end-to-end heartbeat on real Kafka and PostgreSQL: a collector over a KafkaPublisher on a
 * 3-partition topic publishes a heartbeat per partition every 100 ms, a tracker consumes them, and
 * every partition's heartbeat gauge appears and advances, while no order, event or dead letter is
 * stored. Then the tracker stops, and the generated TrackingHeartbeatStale expression, over the
 * values it last exported held while time goes on, fires for every partition once they are older
 * than the threshold.
 *
 * The collector's clock starts 10 minutes after 1970-01-01T00:00:00Z (the contract accepts it) and
 * moves one second per reading, so that the gauge's values are on promtool's clock, which starts at 0.
 */

const GAUGE = 'orderscope_tracker_heartbeat_last_applied_timestamp_seconds';
const PARTITIONS = ['0', '1', '2'];

jest.setTimeout(120_000);

const waitFor = <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000) => waitForValue(what, probe, timeoutMs);

/** The heartbeat gauge per partition, as a scrape reads it. */
async function gauge(registry: Registry): Promise<Record<string, number>> {
  const values = (await registry.getSingleMetric(GAUGE)!.get()).values;
  return Object.fromEntries(values.map((v) => [String(v.labels.partition), v.value]));
}

describe('collector heartbeats through Kafka to the tracker', () => {
  let database: { url: string; drop: () => Promise<void> };
  let store: Db;
  let tracker: Tracker | undefined;
  let source: KafkaSource | undefined;
  let publisher: KafkaPublisher | undefined;
  let collector: Collector | undefined;
  let topic: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    store = openPostgres({ url: database.url, poolSize: 4 });
  });
  afterAll(async () => {
    await collector?.close();
    await publisher?.close();
    await source?.close();
    await tracker?.close();
    await store?.close();
    await database?.drop();
    if (topic) await deleteTopic(topic).catch(() => undefined);
  });

  it('every partition gets heartbeats that advance, none of them an order; once the tracker stops, TrackingHeartbeatStale fires', async () => {
    topic = freshTopic('heartbeat');
    const config = loadConfig({
      env: {},
      overrides: { kafka: { client: KAFKA_CLIENT, brokers: BROKERS, topic, partitions: 3, groupId: `${topic}-tracker` }, collector: { port: 0, heartbeatIntervalMs: 100 } },
    });

    const registry = new Registry();
    source = new KafkaSource({ kafka: config.kafka, logger: silentLogger(), registry });
    tracker = await createTracker({ config, model, source, store, registry, instance: 'heartbeat-test' });
    await tracker.start();

    let clockMs = Date.UTC(1970, 0, 1, 0, 10, 0);
    publisher = new KafkaPublisher({ kafka: config.kafka, publishTimeoutMs: 30_000 });
    await publisher.start();
    collector = createCollector({ config, bus: publisher, heartbeatOrderIds: heartbeatOrderIds(await publisher.partitionCount()), now: () => (clockMs += 1000) });
    await collector.start();

    const first = await waitFor('a heartbeat applied on every partition', async () => {
      const g = await gauge(registry);
      return PARTITIONS.every((p) => g[p] !== undefined) ? g : undefined;
    });
    expect(Object.keys(first).sort()).toEqual(PARTITIONS);
    await waitFor('every partition to advance', async () => {
      const g = await gauge(registry);
      return PARTITIONS.every((p) => g[p]! > first[p]!) ? true : undefined;
    });
    expect((await collector.registry.getSingleMetric('orderscope_collector_heartbeats_total')!.get()).values.find((v) => v.labels.outcome === 'failed')?.value).toBe(0);

    // The tracker stops; the collector goes on publishing, but nothing applies its heartbeats.
    await source.close();
    await tracker.close();
    const last = await gauge(registry);
    expect(tracker.heartbeats().map((h) => [h.partition, h.occurredAtMs / 1000])).toEqual(PARTITIONS.map((p) => [p, last[p]]));

    const count = async (table: string) => Number((await store.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`))[0]!.n);
    expect({ orders: await count('orders'), events: await count('events'), stays: await count('stays'), dead_letters: await count('dead_letters') }).toEqual({
      orders: 0, events: 0, stays: 0, dead_letters: 0,
    });

    expect(await staleAlertFires(last)).toEqual({ status: 0, output: expect.stringContaining('SUCCESS') });
  });
});

/**
 * Runs `promtool test rules` on the generated TrackingHeartbeatStale expression: each partition's
 * gauge from the time of its last heartbeat on, at the value the stopped tracker exported. Silent
 * while every heartbeat is younger than the threshold, firing for every partition once all are older.
 */
async function staleAlertFires(last: Record<string, number>) {
  const expr = generatedAlertExpr('TrackingHeartbeatStale');
  const threshold = parseDuration(DEFAULT_ALERT_OPTIONS.heartbeatStaleAfter);
  if ('error' in threshold) throw new Error(threshold.error);
  const step = 10;
  const values = PARTITIONS.map((p) => last[p]!);
  const silentAt = Math.floor((Math.min(...values) + threshold.seconds - step) / step) * step;
  const firingAt = Math.ceil((Math.max(...values) + threshold.seconds + step) / step) * step;
  const samples = firingAt / step + 2;
  const series = PARTITIONS.map((p) => {
    const from = Math.ceil(last[p]! / step);
    return { series: `${GAUGE}{job="${DEFAULT_ALERT_OPTIONS.trackerJob}",instance="heartbeat-test",partition="${p}"}`, values: `_x${from} ${last[p]}+0x${samples - from}` };
  });
  return promqlExprTest(
    series,
    [
      { expr: `count by (partition) (${expr})`, eval_time: `${silentAt}s`, exp_samples: [] },
      { expr: `sort(count by (partition) (${expr}))`, eval_time: `${firingAt}s`, exp_samples: PARTITIONS.map((p) => ({ labels: `{partition="${p}"}`, value: 1 })) },
    ],
    `${step}s`,
  );
}

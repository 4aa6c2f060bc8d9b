import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { Registry } from 'prom-client';
import { DEFAULT_ALERT_OPTIONS } from '../../alerts';
import { generatedAlertExpr, promqlExprTest } from '../../alerts/test/rule-expression';
import { loadConfig, type Config } from '../../common';
import type { OrderEvent } from '../../events';
import { BROKERS, deleteTopic, freshTopic, KAFKA_CLIENTS } from '../test/kafka-topic';
import { KafkaSource } from './kafka-source';
import { LagMonitor, type LagMonitorOptions } from './lag-monitor';

/**
 * The lag monitor on a real broker: a topic of 3 partitions, a tracker whose handler fails every batch
 * of partition 1 (so nothing of it is ever committed and no batch of it ever succeeds), partition 0 consumed normally, partition 2 without traffic. The monitor must call
 * partition 1 stalled, with a lag that exists and grows, and the other two ok; and the generated
 * TrackingStalled expression, run by promtool over what the monitor exported, must select exactly
 * partition 1.
 */

jest.setTimeout(120_000);

const T0 = Date.UTC(2026, 4, 4, 6, 0, 0);
const STEP_MS = 500;
const WINDOW_MS = 3000;
const FAILING = 1;

type Reading = Parameters<NonNullable<LagMonitorOptions['onAssessed']>>[0];

function event(i: number): OrderEvent {
  return {
    schema_version: 1,
    event_id: randomUUID(),
    order_id: `ord-${i}`,
    source: 'shop',
    state: 'placed',
    occurred_at: new Date(T0 + i * 1000).toISOString(),
    seq: 0,
    attributes: {},
  };
}

/** The kafka config of one test's topic: its own group, the monitor reading every 100 ms. */
function kafkaConfig(client: Config['kafka']['client'], topic: string, partitions: number): Config['kafka'] {
  return loadConfig({
    env: {},
    overrides: { kafka: { client, brokers: BROKERS, topic, partitions, groupId: `group-${randomUUID()}`, lagIntervalMs: 100, lagWindowMs: WINDOW_MS } },
  }).kafka;
}

const kafka = new Kafka({ clientId: 'orderscope-lag-test', brokers: BROKERS, logLevel: logLevel.NOTHING });

async function produceTo(topic: string, partition: number, count: number, from: number): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  try {
    const messages = Array.from({ length: count }, (_, i) => ({ key: `ord-${from + i}`, value: JSON.stringify(event(from + i)), partition }));
    await producer.send({ topic, messages });
  } finally {
    await producer.disconnect();
  }
}

describe.each(KAFKA_CLIENTS)('the lag monitor on a real broker, on %s', (client) => {
  const topic = freshTopic('lag');
  const config = kafkaConfig(client, topic, 3);
  const registry = new Registry();
  const waiters: Array<(r: Reading) => void> = [];
  // The monitor's clock advances one step per reading: a stall is a number of readings, not a wait.
  let clock = T0;
  const monitor = new LagMonitor({
    kafka: config,
    registry,
    now: () => (clock += STEP_MS),
    onAssessed: (r) => [...waiters].forEach((w) => w(r)),
  });
  const source = new KafkaSource({ kafka: config });

  /** The first reading for which `predicate` holds. */
  function reading(what: string, predicate: (r: Reading) => boolean, timeoutMs = 60_000): Promise<Reading> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        waiters.splice(waiters.indexOf(check), 1);
        reject(new Error(`no reading where ${what} within ${timeoutMs} ms`));
      }, timeoutMs);
      const check = (r: Reading) => {
        if (!predicate(r)) return;
        clearTimeout(timer);
        waiters.splice(waiters.indexOf(check), 1);
        resolve(r);
      };
      waiters.push(check);
    });
  }

  afterAll(async () => {
    await monitor.close();
    await source.close();
    await deleteTopic(topic).catch(() => undefined);
  });

  it('calls the partition whose batches keep failing stalled, with a lag that exists and grows; a consumed and a quiet partition stay ok', async () => {
    await source.start();
    await produceTo(topic, 0, 20, 0);
    await produceTo(topic, FAILING, 20, 100);
    const applied = new Set<number>();
    await source.subscribe(async (_events, { origins }) => {
      const partitions = origins.map((o) => ('partition' in o ? o.partition : -1));
      if (partitions.includes(FAILING)) throw new Error(`forced failure on partition ${FAILING}`);
      for (const p of partitions) applied.add(p);
    });
    await monitor.start();

    const stalled = (r: Reading, lag: number) =>
      r.get(FAILING)?.status === 'stalled' &&
      r.get(FAILING)?.sample.lag === lag &&
      r.get(0)?.status === 'ok' &&
      r.get(0)?.sample.lag === 0 &&
      r.get(0)?.sample.committed === 20 &&
      r.get(2)?.status === 'ok' &&
      r.get(2)?.sample.lag === 0;
    const first = await reading('partition 1 is stalled with 20 messages, 0 and 2 ok', (r) => stalled(r, 20));
    expect(first.get(FAILING)!.sample.committed).toBe(0);
    expect(first.get(FAILING)!.lagSeconds).toBeGreaterThanOrEqual(WINDOW_MS / 1000);
    expect([...applied]).toEqual([0]);

    // More traffic on the stalled partition: its lag grows, and it stays stalled (the offset still does not move).
    await produceTo(topic, FAILING, 5, 200);
    let snapshot: Promise<string> | undefined;
    await reading('partition 1 is stalled with 25 messages, 0 and 2 ok', (r) => {
      if (!stalled(r, 25)) return false;
      // The exposition of exactly this reading: the monitor stops before it reads the broker again.
      snapshot = registry.metrics();
      void monitor.close();
      return true;
    });
    const text = await snapshot!;
    expect(text).toContain(`orderscope_bus_consumer_lag_messages{topic="${topic}",partition="1"} 25`);
    expect(text).toContain(`orderscope_bus_consumer_lag_messages{topic="${topic}",partition="2"} 0`);
    expect(text).toContain(`orderscope_bus_partition_status{topic="${topic}",partition="1",status="stalled"} 1`);
    expect(text).toContain(`orderscope_bus_partition_status{topic="${topic}",partition="2",status="ok"} 1`);

    expect(await trackingStalledSelects(text)).toEqual({ status: 0, output: expect.stringContaining('SUCCESS') });
  });
});

/**
 * Runs `promtool test rules` on the generated TrackingStalled expression over the gauges of the
 * scrape `text`, as two tracker replicas would export them (the same values): it must select
 * partition 1 of the topic, once, and nothing else.
 */
async function trackingStalledSelects(text: string) {
  const expr = generatedAlertExpr('TrackingStalled');
  const wanted = /^(orderscope_bus_(?:consumer_lag_messages|partition_status))\{([^}]*)\} (\S+)$/gm;
  const series = [...text.matchAll(wanted)].flatMap(([, name, labels, value]) =>
    ['lag-test-1', 'lag-test-2'].map((instance) => ({ series: `${name}{${labels},job="${DEFAULT_ALERT_OPTIONS.trackerJob}",instance="${instance}"}`, values: `${value}x5` })),
  );
  const topic = /topic="([^"]+)"/.exec(text)![1];
  return promqlExprTest(series, [{ expr: `count by (topic, partition) (${expr})`, eval_time: '4m', exp_samples: [{ labels: `{topic="${topic}",partition="${FAILING}"}`, value: 1 }] }]);
}

describe.each(KAFKA_CLIENTS)('the backlog a tracker finds at start, on %s', (client) => {
  const topic = freshTopic('backlog');
  const config = kafkaConfig(client, topic, 2);
  let readings = 0;
  const readingWaiters: Array<() => void> = [];
  const monitor = new LagMonitor({ kafka: config, onAssessed: () => ((readings += 1), readingWaiters.splice(0).forEach((w) => w())) });
  const source = new KafkaSource({ kafka: config });

  afterAll(async () => {
    await monitor.close();
    await source.close();
    await deleteTopic(topic).catch(() => undefined);
  });

  it('is applied once the group has committed what the topic held at the first reading, and not before', async () => {
    await source.start();
    await produceTo(topic, 0, 15, 0);
    await produceTo(topic, 1, 10, 100);
    let applied: number | undefined;
    void monitor.backlogApplied().then((messages) => (applied = messages));
    await monitor.start();
    // Three readings of the broker while nothing consumes: the backlog is still on the bus.
    while (readings < 3) await new Promise<void>((resolve) => readingWaiters.push(resolve));
    expect(applied).toBeUndefined();

    await source.subscribe(async () => undefined);
    expect(await monitor.backlogApplied()).toBe(25);
    expect(applied).toBe(25);
  });
});

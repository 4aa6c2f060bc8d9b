import { Kafka, logLevel } from 'kafkajs';
import { Registry } from 'prom-client';
import { DEFAULT_ALERT_OPTIONS } from '../../alerts';
import { generatedAlertExpr, promqlExprTest } from '../../alerts/test/rule-expression';
import { KafkaPublisher, KafkaSource } from '../../bus';
import { BROKERS, deleteTopic, freshTopic, KAFKA_CLIENT } from '../../bus/test/kafka-topic';
import { loadConfig, silentLogger } from '../../common';
import type { OrderEvent } from '../../events';
import { createTracker, type Tracker } from '../tracker';
import { migrate, openPostgres, type Db } from '../store';
import { journey, metricValue, model, orderEvent, random, shuffled, startEmbedded, storeSnapshot, waitForValue } from './fixtures';
import { createTestDatabase } from './postgres';

/**
 * Poison events on real Kafka and PostgreSQL: 9,980 good events and 20 that can never be applied,
 * spread over the 3 partitions of the topic. Every good event must be applied exactly once (the
 * store equal to the in-order stream's without the poison), every poison event kept as a dead letter
 * with its reason and offset, and the group's offsets committed past all of them: no partition stalls.
 */

const T0 = Date.UTC(2026, 4, 4, 6, 0, 0);
const ORDERS = 1996;
const EVENTS_PER_ORDER = 5;
const REFUSED = 'POISON-CONSTRAINT';

jest.setTimeout(300_000);

const waitFor = <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 180_000) => waitForValue(what, probe, timeoutMs);

/** 20 events an older collector let through: NUL attributes, years PostgreSQL cannot hold, and a constraint's refusal. */
function poisonEvents(): OrderEvent[] {
  return [
    ...Array.from({ length: 7 }, (_, i) => orderEvent(`POISON-NUL-${i}`, 'placed', T0 + i * 1000, { attributes: { note: `bad\u0000${i}` } })),
    ...Array.from({ length: 7 }, (_, i) => orderEvent(`POISON-YEAR-${i}`, 'placed', `0001-01-01T0${i}:00:00+14:00`)),
    ...Array.from({ length: 6 }, (_, i) => orderEvent(`${REFUSED}-${i}`, 'placed', T0 + i * 1000)),
  ];
}

describe('poison events on Kafka and PostgreSQL', () => {
  let database: { url: string; drop: () => Promise<void> };
  let store: Db;
  let tracker: Tracker | undefined;
  let source: KafkaSource | undefined;
  let topic: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    store = openPostgres({ url: database.url, poolSize: 4 });
  });
  afterAll(async () => {
    await source?.close();
    await tracker?.close();
    await store?.close();
    await database?.drop();
    if (topic) await deleteTopic(topic).catch(() => undefined);
  });

  it('applies every good event exactly once, keeps the 20 poison events as dead letters, and commits past them', async () => {
    const rnd = random(20);
    const good = Array.from({ length: ORDERS }, (_, i) => journey(`PZ-${String(i).padStart(4, '0')}`, T0 + i * 41_000, EVENTS_PER_ORDER, rnd)).flat();
    expect(good).toHaveLength(9980);
    const poison = poisonEvents();

    topic = freshTopic('poison');
    const groupId = `${topic}-tracker`;
    const config = loadConfig({ env: {}, overrides: { kafka: { client: KAFKA_CLIENT, brokers: BROKERS, topic, partitions: 3, groupId } } });
    await migrate(store);
    await store.query(`ALTER TABLE events ADD CONSTRAINT test_refuses_orders CHECK (order_id NOT LIKE '${REFUSED}%')`);

    const publisher = new KafkaPublisher({ kafka: config.kafka, publishTimeoutMs: 30_000 });
    await publisher.start();
    try {
      const all = shuffled([...good, ...poison], rnd);
      for (let i = 0; i < all.length; i += 500) await publisher.publish(all.slice(i, i + 500));
    } finally {
      await publisher.close();
    }

    const registry = new Registry();
    source = new KafkaSource({ kafka: config.kafka, logger: silentLogger(), registry });
    // Both trackers run on the clock of the stream's start: no deadline has passed for either, so the
    // comparison below is about applying, whatever today's date.
    tracker = await createTracker({ config, model, source, store, registry, instance: 'poison-test', now: () => T0 });
    await tracker.start();

    const count = async (sql: string) => Number((await store.query<{ n: number }>(sql))[0]!.n);
    await waitFor('every good event and every dead letter', async () =>
      (await count('SELECT count(*)::int AS n FROM events')) === good.length && (await count('SELECT count(*)::int AS n FROM dead_letters')) === 20 ? true : undefined,
    );

    // Offsets committed past everything: the group has nothing left on any partition.
    const kafka = new Kafka({ brokers: BROKERS, logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    try {
      const ends = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, p.high]));
      await waitFor('the offsets of every partition to be committed', async () => {
        const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
        return committed!.partitions.every((p) => p.offset === ends.get(p.partition)) ? true : undefined;
      });
      expect(ends.size).toBe(3);
    } finally {
      await admin.disconnect();
    }

    const letters = await store.query<{ order_id: string; reason: string; status: string; origin: { topic: string; partition: number; offset: string } }>(
      `SELECT order_id, reason, status, origin FROM dead_letters ORDER BY order_id`,
    );
    expect(letters.map((l) => l.order_id).sort()).toEqual(poison.map((e) => e.order_id).sort());
    for (const l of letters) {
      expect(l.status).toBe('parked');
      expect(l.origin.topic).toBe(topic);
      // The contract's own rules (decode) or the database's refusal (apply) set them aside.
      const expected = l.order_id.startsWith(REFUSED) ? ['constraint_violation'] : ['invalid_event', 'data_exception'];
      expect(expected).toContain(l.reason);
    }
    expect(new Set(letters.map((l) => l.origin.partition)).size).toBe(3);

    // Exactly what the in-order stream of the good events gives.
    const reference = await startEmbedded({ now: () => T0 });
    try {
      const inOrder = [...good].sort((a, b) => Date.parse(a.occurred_at) - Date.parse(b.occurred_at));
      for (let i = 0; i < inOrder.length; i += 500) await reference.bus.publish(inOrder.slice(i, i + 500));
      expect(await storeSnapshot(utc(store))).toEqual(await storeSnapshot(reference.db));
    } finally {
      await reference.close();
    }

    // The alert's expression is true on what this tracker exported.
    const counts = Object.fromEntries(
      await Promise.all(['not_json', 'invalid_event', 'data_exception', 'constraint_violation', 'apply_failed'].map(async (reason) => [reason, await metricValue(registry, 'orderscope_dead_letters_total', { reason })] as const)),
    );
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(20);
    expect(await alertExpressionFires(counts)).toEqual({ status: 0, output: expect.stringContaining('SUCCESS') });
  });
});

/** The store read with timestamps printed in UTC, as PGlite prints them (the reference). */
function utc(db: Db): Db {
  return {
    ...db,
    query: (sql, params) => db.transaction(async (tx) => {
      await tx.query("SET LOCAL TimeZone = 'UTC'");
      return tx.query(sql, params);
    }),
  } as Db;
}

/**
 * Runs `promtool test rules` on the generated OrderEventsDeadLettered expression over the counter
 * values this tracker exported (each reason's counter at 0, then at its value): it must select one
 * series per reason that had dead letters.
 */
async function alertExpressionFires(counts: Record<string, number>) {
  const expr = generatedAlertExpr('OrderEventsDeadLettered');
  const series = Object.entries(counts).map(([reason, n]) => ({
    series: `orderscope_dead_letters_total{job="${DEFAULT_ALERT_OPTIONS.trackerJob}",instance="poison-test",reason="${reason}"}`,
    values: `0 0 ${n}x5`,
  }));
  const fired = Object.entries(counts).filter(([, n]) => n > 0).map(([reason]) => reason).sort();
  return promqlExprTest(series, [{ expr: `sort(count by (reason) (${expr}))`, eval_time: '4m', exp_samples: fired.map((reason) => ({ labels: `{reason="${reason}"}`, value: 1 })) }]);
}

import { randomUUID } from 'node:crypto';
import { Registry } from 'prom-client';
import { loadConfig, UnavailableError, type Config } from '../../common';
import type { OrderEvent } from '../../events';
import type { EventOrigin, UnreadableMessage } from '../bus';
import { BROKERS, freshTopic, KAFKA_CLIENTS, produceRaw, readTopic } from '../test/kafka-topic';
import { heartbeatOrderIds } from './heartbeat-keys';
import { KafkaPublisher } from './kafka-publisher';
import { KafkaSource } from './kafka-source';

function configOf(topic: string, overrides: Partial<Config['kafka']> = {}): Config['kafka'] {
  return loadConfig({ env: {}, overrides: { kafka: { brokers: BROKERS, topic, partitions: 3, groupId: `group-${randomUUID()}`, ...overrides } } }).kafka;
}

function events(n: number, order = (i: number) => `ord-${i % 7}`): OrderEvent[] {
  return Array.from({ length: n }, (_, i) => ({
    schema_version: 1,
    event_id: randomUUID(),
    order_id: order(i),
    source: 'shop',
    state: 'placed',
    occurred_at: '2026-11-26T10:15:00Z',
    seq: i,
    attributes: {},
  }));
}

/** Resolves once `predicate` holds, polling; fails after `timeoutMs`. */
async function eventually(predicate: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

jest.setTimeout(90_000);

describe.each(KAFKA_CLIENTS)('the Kafka publisher and source on a real broker, on %s', (client) => {
  const kafkaConfig = (topic: string, overrides: Partial<Config['kafka']> = {}) => configOf(topic, { client, ...overrides });
  const open: { close(): Promise<void> }[] = [];
  const publisher = (kafka: Config['kafka'], registry?: Registry) => {
    const b = new KafkaPublisher({ kafka, registry, publishTimeoutMs: 10_000 });
    open.push(b);
    return b;
  };
  const source = (kafka: Config['kafka'], registry?: Registry) => {
    const b = new KafkaSource({ kafka, registry });
    open.push(b);
    return b;
  };
  afterEach(async () => {
    await Promise.all(open.splice(0).map((b) => b.close()));
  });

  it('creates the topic and publishes every event keyed by its order_id, as its JSON', async () => {
    const topic = freshTopic('publish');
    const b = publisher(kafkaConfig(topic));
    await b.start();
    await b.start(); // idempotent
    expect(b.isReady()).toBe(true);
    const sent = events(50);
    // Concurrent publishes are merged into shared produce requests; each still resolves on its ack.
    await Promise.all([b.publish(sent.slice(0, 20)), b.publish(sent.slice(20, 21)), b.publish(sent.slice(21))]);
    const read = await readTopic(topic, 50);
    expect(read).toHaveLength(50);
    const byId = new Map(read.map((m) => [JSON.parse(m.value!).event_id as string, m]));
    for (const event of sent) {
      const message = byId.get(event.event_id)!;
      expect(message.key).toBe(event.order_id);
      expect(JSON.parse(message.value!)).toEqual(event);
    }
    // One order, one partition: its events stay in order.
    const partitionsOf = (order: string) => new Set(read.filter((m) => m.key === order).map((m) => m.partition));
    for (let i = 0; i < 7; i++) expect(partitionsOf(`ord-${i}`).size).toBe(1);
  });

  it('splits a publish larger than one produce request may be, and loses nothing', async () => {
    const topic = freshTopic('large');
    const b = publisher(kafkaConfig(topic, { partitions: 1 }));
    await b.start();
    const big = events(1500, () => 'one-order').map((e) => ({ ...e, attributes: { note: 'x'.repeat(1000) } }));
    await b.publish(big);
    const read = await readTopic(topic, 1500);
    expect(read.map((m) => JSON.parse(m.value!).event_id)).toEqual(big.map((e) => e.event_id));
  });

  it('rejects a publish with UnavailableError when Kafka cannot be reached, within its timeout', async () => {
    const b = new KafkaPublisher({ kafka: kafkaConfig('unreachable', { brokers: ['127.0.0.1:1'], connectionTimeoutMs: 500 }), publishTimeoutMs: 2000 });
    open.push(b);
    await expect(b.start()).rejects.toBeInstanceOf(UnavailableError);
    await expect(b.publish(events(1))).rejects.toBeInstanceOf(UnavailableError);
    expect(b.isReady()).toBe(false);
  });

  it('sends a publish made the moment the previous one resolved, without waiting for another publish', async () => {
    const topic = freshTopic('back-to-back');
    const b = publisher(kafkaConfig(topic, { partitions: 1 }));
    await b.start();
    const sent = events(5);
    // Each publish is made in the continuation of the last one's acknowledgement, when the pump that
    // sent it is just finishing.
    for (const event of sent) await b.publish([event]);
    const read = await readTopic(topic, 5);
    expect(read.map((m) => JSON.parse(m.value!).event_id)).toEqual(sent.map((e) => e.event_id));
  });

  it('rejects a publish whose signal aborted before it was sent, and sends nothing of it', async () => {
    const topic = freshTopic('abort');
    const b = publisher(kafkaConfig(topic, { partitions: 1 }));
    await b.start();
    const gaveUp = new AbortController();
    gaveUp.abort();
    await expect(b.publish(events(3), { signal: gaveUp.signal })).rejects.toBeInstanceOf(UnavailableError);
    const sent = events(2);
    await b.publish(sent);
    const read = await readTopic(topic, 2);
    expect(read.map((m) => JSON.parse(m.value!).event_id)).toEqual(sent.map((e) => e.event_id));
  });

  it('delivers a batch again when the handler throws, and commits offsets only after it resolved', async () => {
    const topic = freshTopic('redeliver');
    const kafka = kafkaConfig(topic, { partitions: 1 });
    const out = publisher(kafka);
    await out.start();
    const sent = events(30);
    await out.publish(sent);

    const first = source(kafka);
    const calls: string[][] = [];
    let failures = 0;
    await first.subscribe(async (batch, { origins }) => {
      calls.push(batch.map((e) => e.event_id));
      expect(origins).toHaveLength(batch.length);
      if (failures++ === 0) throw new TypeError('the store is down'); // even a "non-retriable" error
    });
    await eventually(() => new Set(calls.flat()).size === 30 && calls.length >= 2);
    expect(calls[1]).toEqual(calls[0]);
    expect(first.isReady()).toBe(true);
    await first.close();
    expect(first.isReady()).toBe(false);

    // A new member of the same group starts after what was handled.
    const second = source(kafka);
    const seen: string[] = [];
    await second.subscribe(async (batch) => {
      seen.push(...batch.map((e) => e.event_id));
    });
    const later = events(5);
    await out.publish(later);
    await eventually(() => seen.length >= 5);
    expect(seen).toEqual(later.map((e) => e.event_id));
  });

  it('shares the partitions with a member that joins the group later, each batch of one partition, and together they deliver every event', async () => {
    const topic = freshTopic('rebalance');
    const kafka = kafkaConfig(topic, { partitions: 3 });
    const out = publisher(kafka);
    await out.start();
    const sent = events(300, (i) => `ord-${i}`);
    const seen = new Set<string>();
    const batchPartitions: number[][] = [];
    const handler = async (batch: readonly OrderEvent[], { origins }: { origins: readonly EventOrigin[] }) => {
      for (const e of batch) seen.add(e.event_id);
      batchPartitions.push([...new Set(origins.map((o) => ('partition' in o ? o.partition : -1)))]);
    };
    await source(kafka).subscribe(handler);
    await out.publish(sent.slice(0, 150));
    await source(kafka).subscribe(handler);
    await out.publish(sent.slice(150));
    await eventually(() => sent.every((e) => seen.has(e.event_id)));
    expect(batchPartitions.every((partitions) => partitions.length === 1)).toBe(true);
  });

  it('hands over the messages that are not order events with their offsets, counts empty ones, and delivers the others', async () => {
    const topic = freshTopic('garbage');
    const registry = new Registry();
    const b = source(kafkaConfig(topic, { partitions: 1 }), registry);
    await b.start();
    const [good] = events(1);
    await produceRaw(topic, ['not json', null, Buffer.from([0xff, 0xfe]), JSON.stringify({ order_id: 'x' }), JSON.stringify(good)]);
    const seen: OrderEvent[] = [];
    const origins: unknown[] = [];
    const unreadable: UnreadableMessage[] = [];
    await b.subscribe(async (batch, context) => {
      seen.push(...batch);
      origins.push(...context.origins);
      unreadable.push(...context.unreadable);
    });
    await eventually(() => seen.length === 1);
    expect(seen).toEqual([good]);
    expect(origins).toEqual([{ topic, partition: 0, offset: '4' }]);
    expect(unreadable.map((u) => [u.raw.toString('latin1'), u.reason, u.origin])).toEqual([
      ['not json', 'not_json', { topic, partition: 0, offset: '0' }],
      ['\xff\xfe', 'not_json', { topic, partition: 0, offset: '2' }],
      ['{"order_id":"x"}', 'invalid_event', { topic, partition: 0, offset: '3' }],
    ]);
    const dropped = await registry.getSingleMetric('orderscope_bus_dropped_total')!.get();
    expect(Object.fromEntries(dropped.values.map((v) => [v.labels.reason, v.value]))).toEqual({ no_value: 1 });
  });
});

describe('both clients on one topic', () => {
  it('put each order on the same partition, the one the heartbeat ids were chosen for', async () => {
    const topic = freshTopic('same-partition');
    const orders = [...heartbeatOrderIds(6), ...Array.from({ length: 60 }, (_, i) => `ord-${i}`)];
    for (const client of KAFKA_CLIENTS) {
      const b = new KafkaPublisher({ kafka: configOf(topic, { client, partitions: 6 }), publishTimeoutMs: 10_000 });
      try {
        await b.start();
        await b.publish(events(orders.length, (i) => orders[i]!));
      } finally {
        await b.close();
      }
    }
    const read = await readTopic(topic, orders.length * KAFKA_CLIENTS.length);
    const partitionsOf = new Map<string, Set<number>>();
    for (const m of read) partitionsOf.set(m.key!, (partitionsOf.get(m.key!) ?? new Set()).add(m.partition));
    expect([...partitionsOf.values()].every((p) => p.size === 1)).toBe(true);
    expect(heartbeatOrderIds(6).map((id) => [...partitionsOf.get(id)!][0])).toEqual([0, 1, 2, 3, 4, 5]);
  });
});

describe('members of both clients in one group', () => {
  it('share its partitions and together deliver every event, so that trackers can switch client one at a time', async () => {
    const topic = freshTopic('mixed-group');
    const groupId = `group-${randomUUID()}`;
    const [first, second] = KAFKA_CLIENTS.map((client) => configOf(topic, { client, partitions: 4, groupId }));
    const out = new KafkaPublisher({ kafka: first!, publishTimeoutMs: 10_000 });
    const sources = [new KafkaSource({ kafka: first! }), new KafkaSource({ kafka: second! })];
    try {
      await out.start();
      const sent = events(200, (i) => `ord-${i}`);
      const seenBy = sources.map(() => new Set<string>());
      for (const [i, s] of sources.entries()) {
        await s.subscribe(async (batch) => {
          for (const e of batch) seenBy[i]!.add(e.event_id);
        });
      }
      await out.publish(sent);
      await eventually(() => sent.every((e) => seenBy.some((seen) => seen.has(e.event_id))));
      // Each got a share: the group was not refused to either client.
      expect(seenBy.map((seen) => seen.size > 0)).toEqual([true, true]);
    } finally {
      await Promise.all([out, ...sources].map((b) => b.close()));
    }
  });
});

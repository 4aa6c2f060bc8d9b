/**
 * Proves that the servers started by scripts/services.sh are real and usable by our clients: a Kafka broker
 * that kafkajs can create topics on, produce to and consume from as a consumer group (with committed
 * offsets), a RabbitMQ broker that confirms and delivers, a PostgreSQL that runs SQL, and a Zipkin that
 * takes spans and finds them by their order.id tag.
 *
 * If this suite fails, fix the environment (bash scripts/services.sh up) before reading other failures.
 */
import { randomUUID } from 'node:crypto';
import { connect, type ChannelModel, type ConfirmChannel, type ConsumeMessage } from 'amqplib';
import { Kafka, logLevel, Partitioners, type Admin, type Consumer, type Producer } from 'kafkajs';
import { Client } from 'pg';

const KAFKA_BROKERS = (process.env.ORDERSCOPE_TEST_KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const AMQP_URL = process.env.ORDERSCOPE_TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const PG_URL = process.env.ORDERSCOPE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const ZIPKIN_URL = process.env.ORDERSCOPE_TEST_ZIPKIN_URL ?? 'http://127.0.0.1:9411';

/** Rejects after `ms` with `describe()` in the message, so a stuck wait fails with what it saw. */
function within<T>(ms: number, what: string, promise: Promise<T>, describe: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} not done within ${ms} ms; ${describe()}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

describe('Kafka (kafkajs against the broker from scripts/kafka.sh)', () => {
  // A fresh topic and group per run: other suites and engineers share the broker.
  const runId = randomUUID().slice(0, 8);
  const topic = `orderscope-servers-test-${runId}`;
  const groupId = `orderscope-servers-test-${runId}`;
  const kafka = new Kafka({ clientId: 'orderscope-servers-test', brokers: KAFKA_BROKERS, logLevel: logLevel.ERROR });
  let admin: Admin | undefined;
  let producer: Producer | undefined;
  let consumer: Consumer | undefined;

  afterAll(async () => {
    await consumer?.disconnect();
    await producer?.disconnect();
    if (admin) {
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined); // best effort: cleanup only
      await admin.disconnect();
    }
  }, 30_000);

  it('delivers keyed messages over 3 partitions to a consumer group, in order per key, and keeps its offsets', async () => {
    admin = kafka.admin();
    await admin.connect();
    const created = await admin.createTopics({
      topics: [{ topic, numPartitions: 3, replicationFactor: 1 }],
      waitForLeaders: true,
    });
    expect(created).toBe(true);

    // 12 order ids x 3 events each, sent the way the collector will: acks=all, idempotent, key = order id.
    const keys = Array.from({ length: 12 }, (_, i) => `order-${i}`);
    const sent = keys.flatMap((key) => [0, 1, 2].map((seq) => ({ key, value: `${key}:${seq}` })));
    producer = kafka.producer({ idempotent: true, createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: sent });

    const received: { partition: number; offset: string; key: string; value: string }[] = [];
    // disconnect() waits for the fetch long-poll in flight: keep it short (default 5 s) so afterAll is quick.
    const group = kafka.consumer({ groupId, maxWaitTimeInMs: 500 });
    consumer = group;
    await group.connect();
    await group.subscribe({ topics: [topic], fromBeginning: true });
    const allArrived = new Promise<void>((resolve) => {
      void group.run({
        autoCommit: false, // committed explicitly below, so the test sees the commit happen
        eachMessage: async ({ partition, message }) => {
          received.push({
            partition,
            offset: message.offset,
            key: message.key?.toString() ?? '',
            value: message.value?.toString() ?? '',
          });
          if (received.length === sent.length) resolve();
        },
      });
    });
    await within(30_000, 'consuming', allArrived, () => `received ${received.length} of ${sent.length}`);

    expect(received.map((m) => m.value).sort()).toEqual(sent.map((m) => m.value).sort());
    const partitionsUsed = new Set(received.map((m) => m.partition));
    expect(partitionsUsed.size).toBeGreaterThan(1);
    for (const key of keys) {
      const ofKey = received.filter((m) => m.key === key);
      expect(new Set(ofKey.map((m) => m.partition)).size).toBe(1); // one key, one partition
      expect(ofKey.map((m) => m.value)).toEqual([`${key}:0`, `${key}:1`, `${key}:2`]);
    }

    // Commit "next offset to read" per partition, as the tracker will after a batch is stored.
    const next = new Map<number, bigint>();
    for (const m of received) {
      const after = BigInt(m.offset) + 1n;
      if (after > (next.get(m.partition) ?? 0n)) next.set(m.partition, after);
    }
    await group.commitOffsets(
      [...next].map(([partition, offset]) => ({ topic, partition, offset: offset.toString() })),
    );
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    const committedTotal = (committed?.partitions ?? []).reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
    expect(committedTotal).toBe(sent.length);
  }, 60_000);
});

describe('RabbitMQ (amqplib)', () => {
  let connection: ChannelModel | undefined;
  let channel: ConfirmChannel | undefined;

  afterAll(async () => {
    await channel?.close();
    await connection?.close();
  });

  it('confirms a published message and delivers it unchanged to a consumer', async () => {
    connection = await connect(AMQP_URL);
    const ch = await connection.createConfirmChannel();
    channel = ch;
    // Server-named, exclusive, auto-delete: nothing is left behind on the shared broker.
    const { queue } = await ch.assertQueue('', { exclusive: true, autoDelete: true });
    const body = { order_id: `o-${randomUUID()}`, state: 'quote_requested' };
    const messageId = randomUUID();

    const delivered = new Promise<ConsumeMessage>((resolve) => {
      void ch.consume(queue, (msg) => {
        if (msg) {
          ch.ack(msg);
          resolve(msg);
        }
      });
    });
    ch.sendToQueue(queue, Buffer.from(JSON.stringify(body)), { contentType: 'application/json', messageId });
    await ch.waitForConfirms(); // resolves only when the broker has taken responsibility for it

    const msg = await within(10_000, 'delivery', delivered, () => 'no message');
    expect(JSON.parse(msg.content.toString('utf8'))).toEqual(body);
    expect(msg.properties.messageId).toBe(messageId);
    expect(msg.properties.contentType).toBe('application/json');
  }, 30_000);
});

describe('PostgreSQL (pg)', () => {
  const client = new Client({ connectionString: PG_URL });
  let connected = false;

  afterAll(async () => {
    if (connected) await client.end();
  });

  it('is a real PostgreSQL server that stores and returns rows', async () => {
    await client.connect();
    connected = true;
    const version = await client.query<{ version: string }>('SELECT version()');
    expect(version.rows[0]?.version).toContain('PostgreSQL');

    await client.query('CREATE TEMP TABLE servers_test (id int PRIMARY KEY, note text NOT NULL)');
    await client.query('INSERT INTO servers_test (id, note) SELECT * FROM unnest($1::int[], $2::text[])', [
      [2, 1, 3],
      ['two', 'one', 'three'],
    ]);
    const rows = await client.query<{ id: number; note: string }>('SELECT id, note FROM servers_test ORDER BY id');
    expect(rows.rows).toEqual([
      { id: 1, note: 'one' },
      { id: 2, note: 'two' },
      { id: 3, note: 'three' },
    ]);
  }, 30_000);
});

describe('Zipkin (the server from scripts/zipkin.sh)', () => {
  it('takes a span in its v2 JSON and finds it by its order.id tag, as the trace-search links ask', async () => {
    const traceId = randomUUID().replaceAll('-', '');
    const orderId = `SO-servers-${traceId.slice(0, 8)}`;
    const span = { traceId, id: traceId.slice(0, 16), name: 'post /orders', timestamp: Date.now() * 1000, duration: 1000, localEndpoint: { serviceName: 'servers-test' }, tags: { 'order.id': orderId } };
    const posted = await fetch(`${ZIPKIN_URL}/api/v2/spans`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify([span]) });
    expect(posted.status).toBe(202);
    // The span is stored after the 202: ask until it is found, for at most 10 s.
    const search = `${ZIPKIN_URL}/api/v2/traces?annotationQuery=${encodeURIComponent(`order.id=${orderId}`)}&lookback=3600000&limit=10`;
    let traces: { traceId: string }[][] = [];
    for (const deadline = Date.now() + 10_000; traces.length === 0 && Date.now() < deadline; ) {
      traces = (await (await fetch(search)).json()) as { traceId: string }[][];
      if (traces.length === 0) await new Promise((r) => setTimeout(r, 200));
    }
    expect(traces.map((t) => t.map((s) => s.traceId))).toEqual([[traceId]]);
  });
});

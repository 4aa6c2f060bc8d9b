import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { KafkaPublisher, KafkaSource } from '../../bus';
import { PROJECT_ROOT } from '../../common';
import { BROKERS, freshTopic, KAFKA_CLIENT, readTopic } from '../../bus/test/kafka-topic';
import { postJson, send, shopEvent, startCollector, testConfig, type TestCollector } from './harness';

const run = promisify(execFile);
const kafkaScript = (command: 'start' | 'stop' | 'status') => run('bash', ['scripts/kafka.sh', command], { cwd: PROJECT_ROOT, timeout: 180_000 });

const PUBLISH_TIMEOUT_MS = 3000;
/**
 * The collector's own refusal while Kafka is down: the publish either timed out or was refused, and the
 * client is told to retry. Getting this answer, not a hang or a dropped connection, is what "bounded"
 * means here; a collector that hung would fail the test on Jest's timeout instead.
 */
const BUS_REFUSAL = {
  error: {
    code: 'unavailable',
    message: expect.stringMatching(
      new RegExp(
        `^the event bus (did not acknowledge the events within ${PUBLISH_TIMEOUT_MS} ms|is unavailable right now); ` +
          'keep the events and retry the same request later \\(events are deduplicated by event_id\\)$',
      ),
    ),
  },
};

jest.setTimeout(300_000);

describe('collector on real Kafka', () => {
  let c: TestCollector;
  let topic: string;
  /** A consumer of the topic through our own KafkaSource, as the tracker reads it. */
  let tap: KafkaSource;
  const tapped = new Set<string>();

  beforeAll(async () => {
    topic = freshTopic('collector');
    const config = testConfig({ publishTimeoutMs: PUBLISH_TIMEOUT_MS, rateLimitEventsPerSecond: 0 }, { client: KAFKA_CLIENT, brokers: BROKERS, topic, partitions: 3 });
    const bus = new KafkaPublisher({ kafka: config.kafka, publishTimeoutMs: PUBLISH_TIMEOUT_MS });
    c = await startCollector({ config, bus });
    tap = new KafkaSource({ kafka: { ...config.kafka, groupId: `tap-${topic}` } });
    await tap.start();
    await tap.subscribe(async (batch) => {
      for (const event of batch) tapped.add(event.event_id);
    });
  });

  afterAll(async () => {
    await c?.close();
    await tap?.close();
    // Whatever happened, leave the broker running for the other suites.
    await kafkaScript('status').catch(() => kafkaScript('start'));
  });

  /** event_id of every event the collector answered 202 for. */
  const acknowledged: string[] = [];
  const postBatch = async (size: number) => {
    const events = Array.from({ length: size }, () => shopEvent());
    const answer = await postJson(c.url, events);
    if (answer.status === 202) acknowledged.push(...events.map((e) => e.event_id));
    return { answer };
  };

  it('puts accepted events on the topic, keyed by order_id', async () => {
    const events = [shopEvent(), shopEvent(), shopEvent({ order_id: 'not valid!' })];
    const answer = await postJson(c.url, events);
    expect(answer.status).toBe(202);
    expect((answer.body as { accepted: number }).accepted).toBe(2);
    acknowledged.push(events[0]!.event_id!, events[1]!.event_id!);
    const read = await readTopic(topic, 2);
    expect(read.map((m) => [m.key, JSON.parse(m.value!).event_id])).toEqual(
      expect.arrayContaining([
        [events[0]!.order_id, events[0]!.event_id],
        [events[1]!.order_id, events[1]!.event_id],
      ]),
    );
    expect(read).toHaveLength(2);
    expect(await send(c.url, { method: 'GET', path: '/readyz' })).toMatchObject({ status: 200 });
  });

  it('answers 503 with Retry-After while Kafka is down, recovers by itself when it is back, and loses nothing it acknowledged', async () => {
    for (let i = 0; i < 5; i++) expect((await postBatch(20)).answer.status).toBe(202);

    await kafkaScript('stop');
    try {
      for (let i = 0; i < 4; i++) {
        const { answer } = await postBatch(20);
        expect({ status: answer.status, retryAfter: answer.headers['retry-after'], body: answer.body }).toEqual({ status: 503, retryAfter: '5', body: BUS_REFUSAL });
      }
      expect((await send(c.url, { method: 'GET', path: '/readyz' })).status).toBe(503);
    } finally {
      await kafkaScript('start');
    }

    // No restart of the collector: it must come back on its own.
    const deadline = Date.now() + 90_000;
    let status = 0;
    while (status !== 202) {
      if (Date.now() > deadline) throw new Error('the collector did not recover within 90 s of Kafka coming back');
      const { answer } = await postBatch(20);
      status = answer.status;
      if (status !== 202) expect({ status, body: answer.body }).toEqual({ status: 503, body: BUS_REFUSAL });
      if (status !== 202) await new Promise((r) => setTimeout(r, 500));
    }
    for (let i = 0; i < 5; i++) expect((await postBatch(20)).answer.status).toBe(202);
    expect((await send(c.url, { method: 'GET', path: '/readyz' })).status).toBe(200);

    const onTopic = new Set((await readTopic(topic, acknowledged.length, 60_000)).map((m) => JSON.parse(m.value!).event_id as string));
    expect(acknowledged.filter((id) => !onTopic.has(id))).toEqual([]);

    // The subscriber lived through the outage too, and caught up without a restart.
    const caughtUp = Date.now() + 90_000;
    while (acknowledged.some((id) => !tapped.has(id)) && Date.now() < caughtUp) await new Promise((r) => setTimeout(r, 250));
    expect(acknowledged.filter((id) => !tapped.has(id))).toEqual([]);
    expect(tap.isReady()).toBe(true);
  });
});

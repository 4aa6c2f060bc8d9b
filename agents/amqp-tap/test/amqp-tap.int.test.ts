/**
 * The AMQP tap against a real RabbitMQ and a real collector: an application publishes to its
 * exchange and consumes from its own queue; the tap, bound to the same exchange with a queue of its
 * own, must see every message while the application still gets all of them.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connect, type Channel, type ChannelModel, type ConfirmChannel } from 'amqplib';
import { Registry } from 'prom-client';
import { silentLogger } from '../../../common';
import { AmqpTap, defaultTapQueueName, type AmqpTapOptions } from '..';
import { ConfigError } from '../../../common';
import { parseBinding } from '../bindings';
import { forkTs, RecordingCollector, TEST_TOKEN, waitFor, type TsChild } from '../../test/harness';

const AMQP_URL = process.env.ORDERSCOPE_TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';

describe('the AMQP tap', () => {
  const run = randomUUID().slice(0, 8);
  const exchange = `orderscope-tap-test-${run}`;
  const appQueue = `orderscope-tap-test-app-${run}`;
  let connection: ChannelModel;
  let publisher: ConfirmChannel;
  let app: Channel;
  const appReceived: string[] = [];
  let collector: RecordingCollector;
  let spoolDir: string;
  const taps: AmqpTap[] = [];
  const children: TsChild[] = [];
  const BINDINGS = [`${exchange}:quote.requested=quote_requested`, `${exchange}:order.#`];
  /** The durable queue the taps of these tests declare by default; deleted after each test. */
  const defaultQueue = defaultTapQueueName('shop', BINDINGS.map((b) => parseBinding(b, 'placed')));
  const queuesToDelete = new Set<string>([defaultQueue, `${defaultQueue}.overflow`]);

  beforeAll(async () => {
    connection = await connect(AMQP_URL);
    publisher = await connection.createConfirmChannel();
    await publisher.assertExchange(exchange, 'topic', { durable: false, autoDelete: false });
    // The application's own queue and consumer, which the tap must leave alone.
    app = await connection.createChannel();
    await app.assertQueue(appQueue, { durable: false, autoDelete: false });
    await app.bindQueue(appQueue, exchange, '#');
    await app.consume(appQueue, (m) => {
      if (m) appReceived.push(m.content.toString());
      if (m) app.ack(m);
    });
  });
  afterAll(async () => {
    await app.deleteQueue(appQueue);
    await publisher.deleteExchange(exchange);
    await connection.close();
  });
  beforeEach(async () => {
    appReceived.length = 0;
    collector = await RecordingCollector.start();
    spoolDir = mkdtempSync(path.join(os.tmpdir(), 'orderscope-tap-'));
  });
  afterEach(async () => {
    for (const child of children.splice(0)) await child.kill();
    for (const tap of taps.splice(0)) await tap.close();
    for (const queue of queuesToDelete) await publisher.deleteQueue(queue);
    await collector.close();
    rmSync(spoolDir, { recursive: true, force: true });
  });

  function startTap(options: Partial<AmqpTapOptions> = {}): Promise<AmqpTap> {
    const tap = new AmqpTap({
      amqpUrl: AMQP_URL,
      bindings: BINDINGS,
      state: 'placed',
      orderId: 'json:$.order.id',
      attributes: ['segment=header:x-segment'],
      source: 'shop',
      collectorUrl: collector.url,
      token: TEST_TOKEN,
      spoolDir,
      logger: silentLogger(),
      registry: new Registry(),
      ...options,
    });
    taps.push(tap);
    return tap.start().then(() => tap);
  }

  async function publish(routingKey: string, body: unknown, headers: Record<string, unknown> = {}, messageId?: string): Promise<void> {
    publisher.publish(exchange, routingKey, Buffer.from(JSON.stringify(body)), { headers, ...(messageId && { messageId }) });
  }

  it('emits an event for every message published to a tapped exchange, while the application still gets every message', async () => {
    const tap = await startTap();
    for (let i = 0; i < 200; i++) {
      const headers = i % 2 === 0 ? { traceparent: `00-${TRACE_ID}-${i.toString(16).padStart(16, '1')}-01`, 'x-segment': 'b2b' } : {};
      await publish('quote.requested', { order: { id: `Q-${i}` } }, headers, i % 3 === 0 ? `msg-${i}` : undefined);
    }
    for (let i = 0; i < 100; i++) await publish('order.created.web', { order: { id: `O-${i}` } });
    await publish('order.created.web', { customer: 'no order id here' });
    await publisher.waitForConfirms();

    await waitFor('every message at the application', () => appReceived.length === 301, 20_000, () => `${appReceived.length} received`);
    await waitFor('every event at the collector', () => collector.distinct >= 300, 20_000, () => `${collector.distinct} arrived`);
    expect(collector.distinct).toBe(300);

    const byOrder = new Map(collector.events.map((e) => [e.order_id, e]));
    expect(byOrder.get('Q-0')).toMatchObject({
      source: 'shop',
      state: 'quote_requested',
      trace_id: TRACE_ID,
      span_id: '1111111111111110',
      attributes: { exchange, routing_key: 'quote.requested', segment: 'b2b' },
    });
    expect(byOrder.get('Q-1')).toMatchObject({ state: 'quote_requested', attributes: { exchange, routing_key: 'quote.requested' } });
    expect(byOrder.get('Q-1')!.trace_id).toBeUndefined();
    expect(byOrder.get('O-7')).toMatchObject({ state: 'placed', attributes: { routing_key: 'order.created.web' } });
    expect([...byOrder.keys()].filter((id) => id.startsWith('Q-'))).toHaveLength(200);
    expect((await tap.metrics.dropped.get()).values.find((v) => v.labels.reason === 'no_order_id')?.value).toBe(1);
    expect((await tap.metrics.messages.get()).values[0]?.value).toBe(301);
  }, 60_000);

  it('acknowledges messages once their events are spooled while the collector is down, and delivers them when it is back', async () => {
    const queue = `orderscope-tap-test-durable-${run}`;
    queuesToDelete.add(queue).add(`${queue}.overflow`);
    await collector.stop();
    const tap = await startTap({ queue });
    for (let i = 0; i < 50; i++) await publish('quote.requested', { order: { id: `S-${i}` } });
    await publisher.waitForConfirms();

    // Every tapped message is acknowledged: the queue is empty and nothing is left unacked.
    await waitFor('the tap queue to be drained and acked', async () => {
      const { messageCount } = await publisher.checkQueue(queue);
      const spooled = (await tap.metrics.messages.get()).values[0]?.value ?? 0;
      return messageCount === 0 && spooled === 50;
    }, 20_000);
    await tap.close();
    const { messageCount } = await publisher.checkQueue(queue);
    expect(messageCount).toBe(0);

    await collector.restart();
    const again = await startTap({ queue });
    await waitFor('the spooled events at the collector', () => collector.distinct >= 50, 20_000, () => `${collector.distinct} arrived`);
    expect(collector.events.map((e) => e.order_id).sort()).toEqual(Array.from({ length: 50 }, (_, i) => `S-${i}`).sort());
    await again.close();
  }, 60_000);

  it('delivers the messages published while the tap process was killed (SIGKILL), once it is back', async () => {
    const start = async () => {
      const child = forkTs(path.join(__dirname, '../../test/agent-cli.ts'), [
        'agent', 'amqp-tap', '--amqp-url', AMQP_URL, ...BINDINGS.flatMap((b) => ['--bind', b]), '--state', 'placed',
        '--order-id', 'json:$.order.id', '--source', 'shop', '--spool-dir', spoolDir, '--collector', collector.url, '--token', TEST_TOKEN,
      ]);
      children.push(child);
      await child.line('the tap is consuming', (l) => l.includes('tapping exchanges'));
      return child;
    };
    const first = await start();
    for (let i = 0; i < 20; i++) await publish('quote.requested', { order: { id: `K-${i}` } });
    await publisher.waitForConfirms();
    await waitFor('the first 20 at the collector', () => collector.distinct >= 20, 20_000, () => `${collector.distinct} arrived`);

    await first.kill('SIGKILL');
    for (let i = 20; i < 50; i++) await publish('quote.requested', { order: { id: `K-${i}` } });
    await publisher.waitForConfirms();
    // Nobody consumes the tap queue now: the 30 wait in it (with any of the first 20 whose ack the kill cut off).
    expect((await publisher.checkQueue(defaultQueue)).messageCount).toBeGreaterThanOrEqual(30);

    await start();
    await waitFor('all 50 at the collector', () => collector.distinct >= 50, 20_000, () => `${collector.distinct} arrived`);
    expect(collector.events.map((e) => e.order_id).sort()).toEqual(Array.from({ length: 50 }, (_, i) => `K-${i}`).sort());
  }, 60_000);

  it('counts the messages dropped from a full tap queue while the tap was stopped, and delivers the rest', async () => {
    const options = { queueMaxLength: 10 };
    await (await startTap(options)).close();
    for (let i = 0; i < 25; i++) await publish('quote.requested', { order: { id: `F-${i}` } });
    await publisher.waitForConfirms();

    const tap = await startTap(options);
    let counted = 0;
    const overflowed = async () => (counted = (await tap.metrics.overflowed.get()).values[0]?.value ?? 0);
    await waitFor('the 15 dropped to be counted', async () => (await overflowed()) >= 15, 20_000, () => `${counted} counted`);
    await waitFor('the last 10 at the collector', () => collector.distinct >= 10, 20_000, () => `${collector.distinct} arrived`);
    expect(await overflowed()).toBe(15);
    // drop-head: the oldest went, the newest are delivered.
    expect(collector.events.map((e) => e.order_id).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `F-${i + 15}`).sort());
    expect((await publisher.checkQueue(`${defaultQueue}.overflow`)).messageCount).toBe(0);
  }, 60_000);

  it('says what to do when the tap queue exists with other arguments', async () => {
    const queue = `orderscope-tap-test-old-${run}`;
    queuesToDelete.add(queue).add(`${queue}.overflow`);
    // A queue as an earlier version declared it: durable, unbounded.
    await publisher.assertQueue(queue, { durable: true });
    const refused = await startTap({ queue }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(refused).toBeInstanceOf(ConfigError);
    expect((refused as Error).message).toMatch(
      new RegExp(`^the tap queue "${queue}" \\(or its "${queue}.overflow"\\) exists on RabbitMQ with other arguments than this tap declares .*PRECONDITION_FAILED.*Delete it \\(rabbitmqctl delete_queue ${queue}, or in the management UI; messages still in it are lost\\) and start the tap again, or give --queue another name$`),
    );
  }, 60_000);
});

import { connect, type ChannelModel, type ConfirmChannel } from 'amqplib';
import { Registry } from 'prom-client';
import { z } from 'zod';
import { waitFor } from '../../../../agents/shared/test/support/scripted-transport';
import { runCli } from '../../../../cli/test/run-cli';
import { silentLogger } from '../../../../common';
import { createVhost } from '../../../../bench/support/rabbitmq-vhost';
import { PipelineMetrics } from '../../metrics';
import { QueueConsumer, type Delivery } from '../consumer';
import { Publisher } from '../publisher';
import { assertWorkQueue, deadQueueOf, QUEUES } from '../topology';

/*
 * `orderscope pipeline dlq list|redrive` on the real RabbitMQ, in a virtual host of this file: the
 * mes.pricing consumer dead-letters two requests (a bug), list shows them, a dry run moves nothing,
 * a redrive moves them back once the bug is gone, and the consumer takes them with fresh retries.
 */

const schema = z.strictObject({ order_id: z.string() });
const DEAD = deadQueueOf(QUEUES.pricing);
const DIED_AT = '\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z';

let vhost: Awaited<ReturnType<typeof createVhost>>;
let connection: ChannelModel;
let channel: ConfirmChannel;
let consumer: QueueConsumer<{ order_id: string }>;
let broken = true;
const handled: { orderId: string; delivery: Delivery }[] = [];

const dlq = (...args: string[]) => runCli('pipeline', 'dlq', ...args, '--amqp-url', vhost.url);
const deadCount = async () => (await channel.checkQueue(DEAD)).messageCount;

beforeAll(async () => {
  vhost = await createVhost();
  connection = await connect(vhost.url);
  channel = await connection.createConfirmChannel();
  await assertWorkQueue(channel, QUEUES.pricing);
  const metrics = new PipelineMetrics(new Registry());
  consumer = await QueueConsumer.start(connection, {
    queue: QUEUES.pricing,
    schema,
    prefetch: 5,
    maxRetries: 1,
    retryDelayMs: 100,
    metrics,
    logger: silentLogger(),
    onFatal: () => undefined,
    handler: async (message, delivery) => {
      if (broken) throw new TypeError(`cannot price ${message.order_id}`);
      handled.push({ orderId: message.order_id, delivery });
    },
  });
  const publisher = new Publisher(channel, metrics);
  for (const id of ['SO-DLQ-1', 'SO-DLQ-2']) await publisher.publish(QUEUES.pricing, { order_id: id }, `pricing-request:${id}`);
  await waitFor('two dead letters', async () => (await deadCount()) === 2, 15_000);
});

afterAll(async () => {
  await consumer.close();
  await connection.close();
  await vhost.drop();
});

describe('orderscope pipeline dlq on the real RabbitMQ', () => {
  it('lists the count and the first dead letters with order id, message id, where they go back and why; nothing moves', async () => {
    const { out } = await dlq('list', '--queue', DEAD, '--limit', '1');
    expect(out).toMatch(
      new RegExp(
        `^mes\\.pricing\\.dead holds 2 messages; the first 1:\\n  order SO-DLQ-1  message pricing-request:SO-DLQ-1  -> mes\\.pricing  died ${DIED_AT}\\n    not retriable: cannot price SO-DLQ-1\\n$`,
      ),
    );
    const json = JSON.parse((await dlq('list', '--queue', DEAD, '--json')).out) as { count: number; first: { order_id: string; queue: string }[] };
    expect([json.count, json.first.map((l) => [l.order_id, l.queue])]).toEqual([2, [['SO-DLQ-1', 'mes.pricing'], ['SO-DLQ-2', 'mes.pricing']]]);
    expect(await deadCount()).toBe(2);
  });

  it('lists what a dry run would move, and moves nothing', async () => {
    const { out } = await dlq('redrive', '--queue', DEAD, '--dry-run');
    expect(out.split('\n').filter((l) => !l.startsWith('    '))).toEqual([
      'dry run: would move 2 of 2 messages from mes.pricing.dead (nothing moved):',
      expect.stringMatching(new RegExp(`^  order SO-DLQ-1  message pricing-request:SO-DLQ-1  -> mes\\.pricing  died ${DIED_AT}$`)),
      expect.stringMatching(new RegExp(`^  order SO-DLQ-2  message pricing-request:SO-DLQ-2  -> mes\\.pricing  died ${DIED_AT}$`)),
      '',
    ]);
    expect(await deadCount()).toBe(2);
    expect(handled).toEqual([]);
  });

  it('moves them back with a count, --limit at a time, and the consumer takes each once, as a first attempt', async () => {
    broken = false;
    const first = await dlq('redrive', '--queue', DEAD, '--limit', '1');
    expect(first.out).toMatch(/^moved 1 of 2 messages from mes\.pricing\.dead back:\n {2}order SO-DLQ-1 /);
    await waitFor('the first order handled', () => handled.length === 1, 15_000);
    expect(await deadCount()).toBe(1);

    const rest = await dlq('redrive', '--queue', DEAD);
    expect(rest.out).toMatch(/^moved 1 of 1 message from mes\.pricing\.dead back:\n {2}order SO-DLQ-2 /);
    await waitFor('the second order handled', () => handled.length === 2, 15_000);
    expect(handled.map((h) => [h.orderId, h.delivery.messageId, h.delivery.attempt])).toEqual([
      ['SO-DLQ-1', 'pricing-request:SO-DLQ-1', 1],
      ['SO-DLQ-2', 'pricing-request:SO-DLQ-2', 1],
    ]);
    expect(await deadCount()).toBe(0);
    expect((await dlq('redrive', '--queue', DEAD)).out).toBe('moved 0 of 0 messages from mes.pricing.dead back\n');
  });

  it('refuses a queue that is not a dead-letter queue, one that does not exist, and an unreachable RabbitMQ, in plain words', async () => {
    await expect(dlq('list', '--queue', 'mes.pricing')).rejects.toThrow(
      '"mes.pricing" is not a dead-letter queue (dead-letter queues are named <queue>.dead: mes.pricing.dead, crm.quotes.dead, mes.production.dead)',
    );
    await expect(dlq('redrive', '--queue', 'mes.nothing.dead')).rejects.toThrow('there is no queue "mes.nothing.dead" in this RabbitMQ virtual host');
    await expect(runCli('pipeline', 'dlq', 'list', '--queue', DEAD, '--amqp-url', 'amqp://guest:guest@127.0.0.1:1')).rejects.toThrow(
      'cannot reach RabbitMQ at amqp://guest:***@127.0.0.1:1 (--amqp-url, ORDERSCOPE_AMQP_URL): connect ECONNREFUSED 127.0.0.1:1',
    );
  });
});

import { randomBytes } from 'node:crypto';
import { connect, type ChannelModel, type ConfirmChannel, type GetMessage } from 'amqplib';
import { Registry } from 'prom-client';
import { z } from 'zod';
import { silentLogger, UnavailableError, sleep } from '../../../../common';
import { ServiceCrash } from '../../errors';
import { PipelineMetrics } from '../../metrics';
import { QueueConsumer, type Delivery } from '../consumer';
import { Publisher } from '../publisher';
import { assertWorkQueue, deadQueueOf, retryQueueOf, type WorkQueue } from '../topology';

/*
 * The consumer against the real RabbitMQ: retries through the retry queue (x-death counts them),
 * the dead-letter queue with the reason, messages that break their schema, bugs that are not
 * retried, and the ack-then-die fault. Each test has queues of its own (random names), deleted after.
 */

const AMQP_URL = process.env.ORDERSCOPE_TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const schema = z.strictObject({ order_id: z.string() });
type Message = z.infer<typeof schema>;

let connection: ChannelModel;
let channel: ConfirmChannel;
const queues: WorkQueue[] = [];
const consumers: QueueConsumer<Message>[] = [];

beforeAll(async () => {
  connection = await connect(AMQP_URL);
  channel = await connection.createConfirmChannel();
});

afterEach(async () => {
  await Promise.all(consumers.splice(0).map((c) => c.close()));
});

afterAll(async () => {
  for (const q of queues) for (const name of [q.name, retryQueueOf(q), deadQueueOf(q)]) await channel.deleteQueue(name);
  await connection.close();
});

/** A work queue of this test only, a publisher to it, and a consumer with `handler`. */
async function setup(handler: (m: Message, d: Delivery) => Promise<void>, options: { maxRetries?: number; onFatal?: (err: ServiceCrash) => void } = {}) {
  const id = randomBytes(4).toString('hex');
  const queue = { name: `orderscope.test.${id}`, routingKey: `test.${id}` };
  queues.push(queue);
  const metrics = new PipelineMetrics(new Registry());
  await assertWorkQueue(channel, queue);
  const publisher = new Publisher(channel, metrics);
  const consumer = await QueueConsumer.start(connection, {
    queue,
    schema,
    prefetch: 5,
    maxRetries: options.maxRetries ?? 2,
    retryDelayMs: 100,
    handler,
    metrics,
    logger: silentLogger(),
    onFatal: options.onFatal ?? (() => undefined),
  });
  consumers.push(consumer);
  const outcome = async (name: string) => (await metrics.consumed.get()).values.find((v) => v.labels.outcome === name)?.value ?? 0;
  return { queue, publisher, consumer, outcome };
}

async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

/** Takes the one message of the dead-letter queue. */
async function deadLetter(queue: WorkQueue): Promise<GetMessage> {
  let message: GetMessage | false = false;
  await waitFor('a dead letter', async () => (message = await channel.get(deadQueueOf(queue), { noAck: true })) !== false);
  return message as unknown as GetMessage;
}

describe('a queue consumer on the real RabbitMQ', () => {
  it('acks a handled message, once', async () => {
    const seen: Delivery[] = [];
    const { queue, publisher, outcome } = await setup(async (_m, d) => void seen.push(d));
    await publisher.publish(queue, { order_id: 'SO-1' }, 'm-1');
    await waitFor('the ack', async () => (await outcome('acked')) === 1);
    expect(seen).toEqual([expect.objectContaining({ messageId: 'm-1', redelivered: false, attempt: 1 })]);
    expect((await channel.checkQueue(queue.name)).messageCount).toBe(0);
  });

  it('retries a failing message through the retry queue, then dead-letters it saying how often it failed', async () => {
    const attempts: number[] = [];
    const { queue, publisher, outcome } = await setup(async (_m, d) => {
      attempts.push(d.attempt);
      throw new UnavailableError('the database is down');
    });
    await publisher.publish(queue, { order_id: 'SO-2' }, 'm-2');
    const dead = await deadLetter(queue);
    expect(attempts).toEqual([1, 2, 3]);
    expect(JSON.parse(dead.content.toString())).toEqual({ order_id: 'SO-2' });
    expect(dead.properties.messageId).toBe('m-2');
    expect(dead.properties.headers?.['x-orderscope-dead-reason']).toBe('failed 3 times (2 retries): the database is down');
    // Counted once RabbitMQ confirmed the dead letter, which the test may see in the queue first.
    await waitFor('the dead letter counted', async () => (await outcome('dead_lettered')) === 1);
    expect([await outcome('retried'), await outcome('dead_lettered'), await outcome('acked')]).toEqual([2, 1, 0]);
  });

  it('recovers a message whose retry succeeds', async () => {
    const { queue, publisher, outcome } = await setup(async (_m, d) => {
      if (d.attempt === 1) throw new UnavailableError('a blip');
    });
    await publisher.publish(queue, { order_id: 'SO-3' }, 'm-3');
    await waitFor('the ack after the retry', async () => (await outcome('acked')) === 1);
    expect(await outcome('retried')).toBe(1);
  });

  it('dead-letters a message that breaks its schema, and a bug, at once and without calling again', async () => {
    let calls = 0;
    const { queue, publisher, outcome } = await setup(async () => {
      calls += 1;
      throw new TypeError('cannot read properties of undefined');
    });
    await publisher.publish(queue, { id: 'no order id' }, 'm-4');
    expect((await deadLetter(queue)).properties.headers?.['x-orderscope-dead-reason']).toMatch(/^not retriable: order_id: Invalid input/);
    expect(calls).toBe(0);
    await publisher.publish(queue, { order_id: 'SO-5' }, 'm-5');
    expect((await deadLetter(queue)).properties.headers?.['x-orderscope-dead-reason']).toBe('not retriable: cannot read properties of undefined');
    await waitFor('both dead letters counted', async () => (await outcome('dead_lettered')) === 2);
    expect([calls, await outcome('retried'), await outcome('dead_lettered')]).toEqual([1, 0, 2]);
  });

  it('loses a message acked before processing when the handler then dies: the old MES bug, reproduced', async () => {
    const fatal: ServiceCrash[] = [];
    const { queue, publisher, outcome } = await setup(
      async (m, d) => {
        d.ackBeforeProcessing();
        throw new ServiceCrash(`dying with ${m.order_id}`);
      },
      { onFatal: (err) => fatal.push(err) },
    );
    await publisher.publish(queue, { order_id: 'SO-6' }, 'm-6');
    await waitFor('the crash', () => fatal.length === 1);
    await sleep(300);
    expect(fatal[0]!.message).toBe('dying with SO-6');
    expect(await outcome('acked_before_processing')).toBe(1);
    // Nowhere: not redelivered, not retried, not dead-lettered.
    for (const name of [queue.name, retryQueueOf(queue), deadQueueOf(queue)]) expect([name, (await channel.checkQueue(name)).messageCount]).toEqual([name, 0]);
  });
});

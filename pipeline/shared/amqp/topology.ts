import type { Channel } from 'amqplib';

/**
 * The pipeline's RabbitMQ topology. Messages are published to the durable topic exchange `orders`
 * (so that `orderscope agent amqp-tap` can bind a tap queue beside the services' own), and routed to
 * one durable work queue per handoff of the process model. Each work queue has:
 *
 * - `<queue>.retry`: rejected messages wait here for the retry delay (message TTL), then RabbitMQ
 *   dead-letters them back to the work queue; its `x-death` header counts the attempts;
 * - `<queue>.dead`: the dead-letter queue, for messages that failed for good; nothing reads it
 *   automatically: a person looks at it (each message says why in `x-orderscope-dead-reason`).
 */
export const EXCHANGE = 'orders';

export interface WorkQueue {
  readonly name: string;
  readonly routingKey: string;
}

/** The three handoffs: shop -> MES (cost analysis), MES -> CRM (quotes), CRM -> MES (production). */
export const QUEUES = {
  pricing: { name: 'mes.pricing', routingKey: 'pricing.requested' },
  quotes: { name: 'crm.quotes', routingKey: 'quote.ready' },
  production: { name: 'mes.production', routingKey: 'production.ordered' },
} as const satisfies Record<string, WorkQueue>;

export const retryQueueOf = (queue: WorkQueue) => `${queue.name}.retry`;
export const deadQueueOf = (queue: WorkQueue) => `${queue.name}.dead`;

/**
 * Declares the exchange and a work queue bound to it. Publishers declare it too, so that a message
 * published before the consumer ever started is kept, not dropped as unroutable. Declarations are
 * idempotent while the arguments agree; a queue declared with other arguments fails the start
 * with RabbitMQ's PRECONDITION_FAILED, which names the argument.
 */
export async function assertWorkQueue(channel: Channel, queue: WorkQueue): Promise<void> {
  await channel.assertExchange(EXCHANGE, 'topic', { durable: true });
  await channel.assertQueue(queue.name, {
    durable: true,
    // A rejected message (nack without requeue) goes to the retry queue through the default exchange.
    arguments: { 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': retryQueueOf(queue) },
  });
  await channel.bindQueue(queue.name, EXCHANGE, queue.routingKey);
}

/**
 * Declares what a consumer of `queue` needs besides the queue: its retry queue (holding messages
 * for `retryDelayMs`, then returning them) and its dead-letter queue. Every consumer of one queue
 * must use the same retry delay: it is an argument of the retry queue.
 */
export async function assertConsumerQueues(channel: Channel, queue: WorkQueue, retryDelayMs: number): Promise<void> {
  await assertWorkQueue(channel, queue);
  await channel.assertQueue(retryQueueOf(queue), {
    durable: true,
    arguments: { 'x-message-ttl': retryDelayMs, 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': queue.name },
  });
  await channel.assertQueue(deadQueueOf(queue), { durable: true });
}

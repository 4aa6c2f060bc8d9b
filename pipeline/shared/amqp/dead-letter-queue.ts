import { connect, type ChannelModel, type GetMessage } from 'amqplib';
import { Registry } from 'prom-client';
import { describeError, OrderscopeError, UnavailableError } from '../../../common';
import { PipelineMetrics } from '../metrics';
import { describeDeadLetter, redriveHeaders, workQueueOfDead, type DeadLetter } from './dead-letters';
import { Publisher } from './publisher';

/**
 * The operator's side of the dead-letter queues `<queue>.dead`: look at what is there, and move it
 * back to the work queue it came from. Each operation opens a connection of its own
 * ({@link withRabbitMq}) and takes messages with basic.get; a message it does not move is left
 * unacknowledged and goes back to the dead-letter queue when its channel closes (at its place).
 */

/** A dead-letter queue that is not one, or not there: nothing to retry, the command must change. */
export class DeadLetterQueueError extends OrderscopeError {
  constructor(message: string) {
    super(message, { code: 'not_found', retriable: false });
  }
}

/**
 * Runs `fn` with a connection of its own to RabbitMQ at `url`, closed after. RabbitMQ unreachable
 * is an UnavailableError that names the URL (without its password) and the setting that holds it.
 */
export async function withRabbitMq<T>(url: string, setting: string, fn: (model: ChannelModel) => Promise<T>): Promise<T> {
  let model: ChannelModel;
  try {
    model = await connect(url, { clientProperties: { connection_name: 'orderscope dlq' } });
  } catch (err) {
    throw new UnavailableError(`cannot reach RabbitMQ at ${withoutPassword(url)} (${setting}): ${describeConnectError(err)}`, err);
  }
  // A channel error (a queue not found) also closes the channel with an 'error' on it; the connection's is logged by no one.
  model.on('error', () => undefined);
  try {
    return await fn(model);
  } finally {
    await model.close().catch(() => undefined);
  }
}

/** Messages in a queue now; a DeadLetterQueueError when there is no such queue. */
export async function messageCount(model: ChannelModel, queue: string): Promise<number> {
  // checkQueue on a missing queue closes its channel (404): a channel of its own.
  const channel = await model.createChannel();
  channel.on('error', () => undefined);
  try {
    return (await channel.checkQueue(queue)).messageCount;
  } catch (err) {
    if ((err as { code?: unknown }).code === 404) throw new DeadLetterQueueError(`there is no queue "${queue}" in this RabbitMQ virtual host ${queueHint(queue)}`);
    throw err;
  } finally {
    await channel.close().catch(() => undefined);
  }
}

export interface DeadLetterList {
  /** Messages in the dead-letter queue. */
  readonly count: number;
  /** The first of them, oldest first. */
  readonly first: readonly DeadLetter[];
}

/** The count of a dead-letter queue and its first `limit` messages, left where they are. */
export async function listDeadLetters(model: ChannelModel, deadQueue: string, limit: number): Promise<DeadLetterList> {
  requireDeadQueue(deadQueue);
  const count = await messageCount(model, deadQueue);
  const channel = await model.createChannel();
  try {
    const first: DeadLetter[] = [];
    while (first.length < Math.min(limit, count)) {
      const message = await channel.get(deadQueue);
      if (!message) break;
      first.push(describeDeadLetter(deadQueue, message.content, message.properties));
    }
    return { count, first };
  } finally {
    // Unacknowledged, they go back to the queue at their places.
    await channel.close().catch(() => undefined);
  }
}

export interface RedriveOptions {
  /** Move at most this many (default: every message there when the redrive starts). */
  readonly limit?: number;
  /** List what would move; move nothing. */
  readonly dryRun?: boolean;
  /** Only the messages of this order (the others stay). */
  readonly orderId?: string;
}

export interface RedriveResult {
  /** Messages in the dead-letter queue when the redrive started. */
  readonly count: number;
  /** The messages moved back (with a dry run: that would be), in the order they were taken. */
  readonly moved: readonly DeadLetter[];
}

/**
 * Moves dead letters back to the work queues they came from, at least once: each is published on a
 * confirm channel (the same body and properties, with fresh retries: {@link redriveHeaders}), and
 * acknowledged in the dead-letter queue only once RabbitMQ confirmed the copy. A crash in between
 * leaves the message in both queues; the consumers are idempotent by order id.
 *
 * It looks at no more messages than were there when it started: a message that dies again while it
 * runs is not moved a second time.
 */
export async function redriveDeadLetters(model: ChannelModel, deadQueue: string, options: RedriveOptions = {}): Promise<RedriveResult> {
  requireDeadQueue(deadQueue);
  const count = await messageCount(model, deadQueue);
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  const channel = await model.createConfirmChannel();
  channel.on('error', () => undefined);
  const publisher = new Publisher(channel, new PipelineMetrics(new Registry()));
  const checked = new Set<string>();
  const moved: DeadLetter[] = [];
  try {
    for (let seen = 0; seen < count && moved.length < limit; seen++) {
      const message: GetMessage | false = await channel.get(deadQueue);
      if (!message) break;
      const letter = describeDeadLetter(deadQueue, message.content, message.properties);
      if (options.orderId !== undefined && letter.order_id !== options.orderId) continue;
      if (!options.dryRun) {
        if (!checked.has(letter.queue)) {
          await messageCount(model, letter.queue);
          checked.add(letter.queue);
        }
        await publisher.sendToQueue(letter.queue, message.content, { ...message.properties, headers: redriveHeaders(message.properties.headers) });
        channel.ack(message);
      }
      moved.push(letter);
    }
    return { count, moved };
  } finally {
    // What was taken and not moved (another order's, a dry run's, one whose copy failed) goes back.
    await channel.close().catch(() => undefined);
  }
}

function requireDeadQueue(queue: string): void {
  if (!workQueueOfDead(queue)) throw new DeadLetterQueueError(`"${queue}" is not a dead-letter queue ${queueHint(queue)}`);
}

function queueHint(queue: string): string {
  return `(dead-letter queues are named <queue>.dead: mes.pricing.dead, crm.quotes.dead, mes.production.dead${queue.endsWith('.dead') ? '; the service that consumes the queue declares it at its start' : ''})`;
}

/** The URL as it can be shown: without the password. */
export function withoutPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return '(not a URL)';
  }
}

/** Node's connect errors (an AggregateError for several addresses) can have no message: their code then. */
function describeConnectError(err: unknown): string {
  const { code, message } = err as { code?: unknown; message?: unknown };
  return (typeof message === 'string' && message) || (typeof code === 'string' ? code : describeError(err));
}

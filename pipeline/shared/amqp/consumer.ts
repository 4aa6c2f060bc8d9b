import type { ChannelModel, ConfirmChannel, ConsumeMessage } from 'amqplib';
import type { ZodType } from 'zod';
import { describeError, type Logger } from '../../../common';
import { isTransient, ServiceCrash } from '../errors';
import type { PipelineMetrics } from '../metrics';
import { Publisher } from './publisher';
import { decideOnFailure, previousAttempts } from './retry-policy';
import { assertConsumerQueues, deadQueueOf, type WorkQueue } from './topology';

/** What a handler knows about the delivery of its message. */
export interface Delivery {
  readonly messageId: string | undefined;
  /** True when RabbitMQ delivered it before (a consumer died or closed without acking it). */
  readonly redelivered: boolean;
  /** 1 for the first attempt, 2 after one failure, ... */
  readonly attempt: number;
  /**
   * Acknowledges the message at once, before the handler is done: a message acked and then not
   * processed is lost. Only the fault injection that reproduces the old MES bug does this.
   */
  ackBeforeProcessing(): void;
}

export interface ConsumerOptions<T> {
  readonly queue: WorkQueue;
  /** The message's schema: a message that breaks it is dead-lettered at once, with the schema's message. */
  readonly schema: ZodType<T>;
  /** Unacknowledged messages this consumer holds at most (RabbitMQ's prefetch). */
  readonly prefetch: number;
  readonly maxRetries: number;
  readonly retryDelayMs: number;
  readonly handler: (message: T, delivery: Delivery) => Promise<void>;
  readonly metrics: PipelineMetrics;
  readonly logger: Logger;
  /** Called when the handler throws a ServiceCrash or the channel fails: the process must stop. */
  readonly onFatal: (err: ServiceCrash) => void;
}

/**
 * A consumer of one work queue, on a confirm channel of its own: each message is parsed, handled,
 * and then acked; a failure is retried through the retry queue or dead-lettered, as
 * {@link decideOnFailure} says. Handlers must be idempotent: a message is delivered again when the
 * process dies before its ack, and retried after a failure.
 *
 * The amqplib instrumentation runs each delivery in a consumer span that continues the publisher's
 * trace (from the message's `traceparent`) and ends at the ack, so the order events tracked by
 * the handler carry the trace of the request that caused them.
 */
export class QueueConsumer<T> {
  private readonly inFlight = new Set<Promise<void>>();
  private consumerTag: string | undefined;
  private stopping = false;
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly channel: ConfirmChannel,
    private readonly dead: Publisher,
    private readonly options: ConsumerOptions<T>,
  ) {}

  /** Declares the queue with its retry and dead-letter queues and starts consuming. */
  static async start<T>(connection: ChannelModel, options: ConsumerOptions<T>): Promise<QueueConsumer<T>> {
    const channel = await connection.createConfirmChannel();
    await assertConsumerQueues(channel, options.queue, options.retryDelayMs);
    await channel.prefetch(options.prefetch);
    const consumer = new QueueConsumer(channel, new Publisher(channel, options.metrics), options);
    options.metrics.initQueue(options.queue.name);
    channel.on('error', (err: Error) => {
      if (!consumer.stopping) options.onFatal(new ServiceCrash(`the channel consuming ${options.queue.name} failed`, err));
    });
    const { consumerTag } = await channel.consume(options.queue.name, (message) => consumer.receive(message));
    consumer.consumerTag = consumerTag;
    return consumer;
  }

  /**
   * Stops taking messages, waits for those being handled, then closes the channel: messages
   * delivered but not started are requeued by RabbitMQ for another consumer. Safe to call twice.
   */
  close(): Promise<void> {
    return (this.closing ??= (async () => {
      this.stopping = true;
      if (this.consumerTag) await this.channel.cancel(this.consumerTag).catch(() => undefined);
      await Promise.allSettled([...this.inFlight]);
      await this.channel.close().catch(() => undefined);
    })());
  }

  private receive(message: ConsumeMessage | null): void {
    if (message === null) {
      // RabbitMQ cancelled the consumer (the queue was deleted): nothing more will come.
      if (!this.stopping) this.options.onFatal(new ServiceCrash(`RabbitMQ cancelled the consumer of ${this.options.queue.name} (queue deleted?)`));
      return;
    }
    // Left unacked while stopping: requeued when the channel closes.
    if (this.stopping) return;
    const work = this.handle(message).finally(() => this.inFlight.delete(work));
    this.inFlight.add(work);
  }

  private async handle(message: ConsumeMessage): Promise<void> {
    const { queue, metrics, logger } = this.options;
    const began = process.hrtime.bigint();
    const attempts = previousAttempts(message.properties.headers, queue.name);
    let acked = false;
    const settle = (outcome: 'acked' | 'retried' | 'dead_lettered' | 'acked_before_processing') => {
      metrics.consumed.inc({ queue: queue.name, outcome });
      metrics.handling.observe({ queue: queue.name }, Number(process.hrtime.bigint() - began) / 1e9);
    };
    const delivery: Delivery = {
      messageId: message.properties.messageId as string | undefined,
      redelivered: message.fields.redelivered,
      attempt: attempts + 1,
      ackBeforeProcessing: () => {
        acked = true;
        this.channel.ack(message);
        settle('acked_before_processing');
      },
    };

    const parsed = parse(this.options.schema, message.content);
    if (!parsed.ok) {
      await this.deadLetter(message, `not retriable: ${parsed.error}`);
      settle('dead_lettered');
      return;
    }
    try {
      await this.options.handler(parsed.value, delivery);
      if (!acked) {
        this.channel.ack(message);
        settle('acked');
      }
    } catch (err) {
      if (err instanceof ServiceCrash) return this.options.onFatal(err);
      if (acked) {
        logger.error({ err, queue: queue.name, message_id: delivery.messageId }, 'handling failed after the message was acked: it cannot be retried');
        return;
      }
      const decision = decideOnFailure({ previousAttempts: attempts, maxRetries: this.options.maxRetries, retriable: isTransient(err), error: describeError(err) });
      if (decision.action === 'retry') {
        logger.warn({ err, queue: queue.name, message_id: delivery.messageId, attempt: decision.attempt }, 'handling a message failed; it goes to the retry queue');
        // Without requeue, RabbitMQ dead-letters it to <queue>.retry (the queue's arguments), which adds x-death.
        this.channel.nack(message, false, false);
        settle('retried');
      } else {
        logger.error({ err, queue: queue.name, message_id: delivery.messageId, reason: decision.reason }, 'a message goes to the dead-letter queue');
        await this.deadLetter(message, decision.reason);
        settle('dead_lettered');
      }
    }
  }

  /** Moves a message to `<queue>.dead` with the reason, then acks it (only once RabbitMQ confirmed the copy). */
  private async deadLetter(message: ConsumeMessage, reason: string): Promise<void> {
    try {
      await this.dead.sendToQueue(deadQueueOf(this.options.queue), message.content, {
        ...message.properties,
        headers: { ...message.properties.headers, 'x-orderscope-dead-reason': reason.slice(0, 1000), 'x-orderscope-dead-at': new Date().toISOString() },
      });
      this.channel.ack(message);
    } catch (err) {
      // Not confirmed: give it back to RabbitMQ rather than lose it.
      this.options.logger.error({ err, queue: this.options.queue.name }, 'could not dead-letter a message; it is requeued');
      this.channel.nack(message, false, true);
    }
  }
}

function parse<T>(schema: ZodType<T>, content: Buffer): { ok: true; value: T } | { ok: false; error: string } {
  let json: unknown;
  try {
    json = JSON.parse(content.toString('utf8'));
  } catch (err) {
    return { ok: false, error: `the body is not JSON: ${describeError(err)}` };
  }
  const result = schema.safeParse(json);
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, error: result.error.issues.map((i) => `${i.path.join('.') || '(message)'}: ${i.message}`).join('; ') };
}

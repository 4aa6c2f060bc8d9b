import { connect, type ChannelModel } from 'amqplib';
import { retry, type Logger } from '../../../common';
import { ServiceCrash } from '../errors';
import type { PipelineMetrics } from '../metrics';
import { Publisher } from './publisher';
import { assertWorkQueue, type WorkQueue } from './topology';

/** How long a service waits at start for RabbitMQ (compose starts everything at once). */
const START_DEADLINE_MS = 60_000;

/** A RabbitMQ connection of a service, and how it ends. */
export interface AmqpConnection {
  readonly model: ChannelModel;
  /** For readiness: "ok" while connected. */
  check(): Promise<string>;
  /** A confirm channel that publishes to these queues (declared first, so nothing published is unroutable). */
  openPublisher(queues: readonly WorkQueue[], metrics: PipelineMetrics): Promise<Publisher>;
  /** Closes the connection (the channels with it); what was not acked is requeued by RabbitMQ. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * Connects to RabbitMQ, waiting for it at start. A connection lost later is fatal (`onLost` gets a
 * ServiceCrash): the service stops and its supervisor starts it again, which declares the topology
 * and consumes anew. That is simpler to get right than recovering channels, consumers and
 * unconfirmed publishes inside the process, and loses nothing: unacked messages are requeued, and
 * unconfirmed publishes are retried (outbox) or their message is redelivered (consumers).
 */
export async function connectAmqp(url: string, options: { name: string; logger: Logger; onLost: (err: ServiceCrash) => void }): Promise<AmqpConnection> {
  const { logger } = options;
  const model = await retry(() => connect(url, { clientProperties: { connection_name: options.name } }), {
    deadlineMs: START_DEADLINE_MS,
    retries: 30,
    maxDelayMs: 5000,
    onRetry: (err) => logger.warn({ err }, 'waiting for RabbitMQ'),
  });
  let closing: Promise<void> | undefined;
  let lost = false;
  model.on('error', (err: Error) => logger.error({ err }, 'RabbitMQ connection error'));
  model.on('blocked', (reason: string) => logger.warn({ reason }, 'RabbitMQ blocks publishing (a resource alarm): publishes wait'));
  model.on('unblocked', () => logger.info('RabbitMQ unblocked publishing'));
  model.on('close', (err?: Error) => {
    lost = true;
    if (!closing) options.onLost(new ServiceCrash('the RabbitMQ connection was lost', err));
  });
  return {
    model,
    check: async () => (lost ? 'the RabbitMQ connection is lost' : closing ? 'closing' : 'ok'),
    openPublisher: async (queues, metrics) => {
      const channel = await model.createConfirmChannel();
      channel.on('error', (err: Error) => {
        if (!closing) options.onLost(new ServiceCrash('the RabbitMQ publishing channel failed', err));
      });
      for (const queue of queues) {
        await assertWorkQueue(channel, queue);
        metrics.initQueue(queue.name);
      }
      return new Publisher(channel, metrics);
    },
    close: () => (closing ??= model.close().catch((err: unknown) => logger.debug({ err }, 'closing the RabbitMQ connection failed (already closed)'))),
  };
}

import type { ConfirmChannel, Options } from 'amqplib';
import { UnavailableError } from '../../../common';
import type { PipelineMetrics } from '../metrics';
import { EXCHANGE, type WorkQueue } from './topology';

/** How long a publish may wait for RabbitMQ's confirm before it counts as failed. */
const CONFIRM_TIMEOUT_MS = 10_000;

/**
 * Publishes persistent JSON messages on a confirm channel. A publish resolves only once RabbitMQ
 * confirmed it, that is, once the message is safely in the durable queue; before that, the
 * sender must not consider it sent (nor ack what caused it, nor delete it from an outbox).
 *
 * The OpenTelemetry amqplib instrumentation wraps ConfirmChannel.publish: it starts a producer span
 * and writes the W3C `traceparent` header into the message, which the consumer's span continues.
 */
export class Publisher {
  constructor(
    private readonly channel: ConfirmChannel,
    private readonly metrics: PipelineMetrics,
  ) {}

  /** Publishes `body` to `queue` (through the exchange) with a stable message id (the receivers' dedup key). */
  publish(queue: WorkQueue, body: unknown, messageId: string, headers: Record<string, unknown> = {}): Promise<void> {
    return this.send(EXCHANGE, queue.routingKey, queue.name, Buffer.from(JSON.stringify(body)), {
      messageId,
      headers,
      persistent: true,
      contentType: 'application/json',
      timestamp: Math.floor(Date.now() / 1000),
    });
  }

  /** Publishes raw content straight to a queue (the default exchange): for dead letters, which keep their original body. */
  sendToQueue(queueName: string, content: Buffer, options: Options.Publish): Promise<void> {
    return this.send('', queueName, queueName, content, { ...options, persistent: true });
  }

  private send(exchange: string, routingKey: string, queueLabel: string, content: Buffer, options: Options.Publish): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => fail(new UnavailableError(`RabbitMQ did not confirm a message for ${queueLabel} within ${CONFIRM_TIMEOUT_MS} ms`)), CONFIRM_TIMEOUT_MS);
      timer.unref();
      let settled = false;
      const fail = (err: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.metrics.publishFailures.inc({ queue: queueLabel });
        reject(err);
      };
      try {
        // The return value only says whether the socket buffer is full; the confirm callback comes either way.
        this.channel.publish(exchange, routingKey, content, options, (err: unknown) => {
          if (err) return fail(new UnavailableError(`RabbitMQ refused a message for ${queueLabel} (nack)`, err));
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          this.metrics.published.inc({ queue: queueLabel });
          resolve();
        });
      } catch (err) {
        // amqplib throws synchronously on a closed channel.
        fail(new UnavailableError(`cannot publish to ${queueLabel}: ${(err as Error).message}`, err));
      }
    });
  }
}

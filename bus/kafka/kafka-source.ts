import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import { Registry } from 'prom-client';
import { type Config, type Logger, silentLogger, describeError, UnavailableError } from '../../common';
import type { OrderEvent } from '../../events';
import type { BatchHandler, EventOrigin, EventSource, UnreadableMessage } from '../bus';
import { decodeEvent } from './decode-event';
import { createKafkaClient, ensureTopic } from './kafka-client';
import { createSourceMetrics } from './kafka-metrics';

export interface KafkaSourceOptions {
  /** The `kafka` section of the config: brokers, topic, partitions, groupId, fetch sizes, timeouts. */
  kafka: Config['kafka'];
  /** Receives kafkajs's own warnings and errors, and the source's. */
  logger?: Logger;
  /** Where the source's metrics are registered (a private registry when absent). */
  registry?: Registry;
}

/** How often a running batch handler keeps the consumer's group membership alive. */
const HEARTBEAT_EVERY_MS = 3000;

/**
 * The tracker's side of the bus in production: a member of the consumer group `kafka.groupId` on the
 * order-event topic. Each fetched batch (one partition's) goes to the handler with where each event
 * came from, and with the messages that are not order events (which the handler keeps as dead
 * letters); offsets are committed only after the handler resolved, so a failed batch is delivered
 * again. Tombstones and empty messages carry nothing and are only counted.
 */
export class KafkaSource implements EventSource {
  private readonly kafka: Kafka;
  private readonly config: Config['kafka'];
  private readonly logger: Logger;
  private readonly metrics: ReturnType<typeof createSourceMetrics>;
  private starting?: Promise<void>;
  private closing?: Promise<void>;
  private closed = false;
  private consumer?: Consumer;
  private consumerReady = false;

  constructor(options: KafkaSourceOptions) {
    this.config = options.kafka;
    this.logger = (options.logger ?? silentLogger()).child({ component: 'kafka-source' });
    this.metrics = createSourceMetrics(options.registry ?? new Registry());
    this.kafka = createKafkaClient(this.config, this.logger);
  }

  /** Creates the topic when it does not exist, so that the group can join it. */
  start(): Promise<void> {
    return (this.starting ??= ensureTopic(this.kafka, this.config, this.logger).catch((err: unknown) => {
      this.starting = undefined;
      throw err;
    }));
  }

  async subscribe(handler: BatchHandler): Promise<void> {
    if (this.closed) throw new UnavailableError('the Kafka bus is closed');
    if (this.consumer) throw new Error('KafkaSource.subscribe() was already called; one source has one consumer');
    await this.start();
    const consumer = this.kafka.consumer({
      groupId: this.config.groupId,
      maxBytesPerPartition: this.config.maxBytesPerPartition,
      maxBytes: this.config.maxBytesPerPartition * this.config.partitionsConsumedConcurrently,
      // Handler failures surface here as retriable errors: kafkajs refetches from the last resolved
      // offset after a backoff, and after these retries restarts the consumer, which does the same.
      retry: { initialRetryTime: 300, maxRetryTime: 30_000, retries: 8, restartOnFailure: async () => true },
    });
    this.consumer = consumer;
    const { GROUP_JOIN, CRASH, DISCONNECT, STOP } = consumer.events;
    consumer.on(GROUP_JOIN, () => {
      this.consumerReady = true;
    });
    consumer.on(CRASH, ({ payload }) => {
      this.consumerReady = false;
      this.logger.error({ err: payload.error, restart: payload.restart }, payload.restart ? 'the Kafka consumer crashed and restarts' : 'the Kafka consumer crashed and stopped');
    });
    for (const event of [DISCONNECT, STOP]) {
      consumer.on(event, () => {
        this.consumerReady = false;
      });
    }
    try {
      await consumer.connect();
      // A new group reads the topic from its start, so that nothing published before the first
      // consumer joined is skipped; afterwards the committed offsets decide.
      await consumer.subscribe({ topics: [this.config.topic], fromBeginning: true });
      await consumer.run({
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: this.config.partitionsConsumedConcurrently,
        autoCommit: true,
        // Commit whenever something is resolved: commitOffsetsIfNecessary() then commits right after the handler.
        autoCommitThreshold: 1,
        eachBatch: (payload) => this.deliver(payload, handler),
      });
    } catch (err) {
      this.consumer = undefined;
      await consumer.disconnect().catch(() => undefined);
      throw new UnavailableError(`cannot consume from Kafka at ${this.config.brokers.join(',')}: ${describeError(err)}`, err);
    }
  }

  /** True while the consumer is in its group. */
  isReady(): boolean {
    return !this.closed && this.consumer !== undefined && this.consumerReady;
  }

  /** Leaves the group after the batch being handled (its offsets are committed), and disconnects. */
  close(): Promise<void> {
    return (this.closing ??= (async () => {
      this.closed = true;
      await this.consumer?.disconnect().catch((err: unknown) => this.logger.warn({ err }, 'error while disconnecting the Kafka consumer'));
    })());
  }

  private async deliver(payload: EachBatchPayload, handler: BatchHandler): Promise<void> {
    const { batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale } = payload;
    const last = batch.messages[batch.messages.length - 1];
    if (!last || !isRunning() || isStale()) return;
    const events: OrderEvent[] = [];
    const origins: EventOrigin[] = [];
    const unreadable: UnreadableMessage[] = [];
    for (const message of batch.messages) {
      const origin = { topic: batch.topic, partition: batch.partition, offset: message.offset };
      const decoded = decodeEvent(message);
      if ('event' in decoded) {
        events.push(decoded.event);
        origins.push(origin);
      } else if ('unreadable' in decoded) {
        unreadable.push({ raw: message.value!, reason: decoded.unreadable, error: decoded.error, origin });
      } else {
        this.metrics.dropped.inc({ reason: decoded.dropped });
        this.logger.warn({ ...origin, reason: decoded.dropped }, 'skipped an empty message');
      }
    }
    if (events.length > 0 || unreadable.length > 0) {
      // A slow handler (a large transaction) must not cost the group membership.
      const beat = setInterval(() => heartbeat().catch(() => undefined), HEARTBEAT_EVERY_MS);
      beat.unref();
      try {
        await handler(events, { origins, unreadable });
      } catch (err) {
        this.metrics.handlerFailures.inc();
        this.logger.warn({ err, topic: batch.topic, partition: batch.partition, offset: batch.firstOffset() }, 'the batch handler failed; the batch will be delivered again');
        // Whatever the handler threw, kafkajs must see a retriable error: a "non-retriable" one
        // (TypeError, or an error with retriable: false) would stop the consumer for good.
        throw new UnavailableError(`the batch handler failed: ${describeError(err)}`, err);
      } finally {
        clearInterval(beat);
      }
    }
    resolveOffset(last.offset);
    await commitOffsetsIfNecessary();
    await heartbeat();
  }
}

import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import { Registry } from 'prom-client';
import type { KafkaSourceOptions } from '../kafka-source';
import { type Config, type Logger, silentLogger, describeError, UnavailableError } from '../../../common';
import type { BatchHandler, EventSource } from '../../bus';
import { decodeBatch } from '../decode-event';
import { createKafkaClient, ensureTopic } from '../kafka-client';
import { createSourceMetrics } from '../kafka-metrics';

/** How often a running batch handler keeps the consumer's group membership alive. */
const HEARTBEAT_EVERY_MS = 3000;

/**
 * The tracker's side of the bus on kafkajs: a member of the consumer group `kafka.groupId` on the
 * order-event topic. Each fetched batch (one partition's) goes to the handler with where each event
 * came from, and with the messages that are not order events (which the handler keeps as dead
 * letters); offsets are committed only after the handler resolved, so a failed batch is delivered
 * again. Tombstones and empty messages carry nothing and are only counted.
 */
export class KafkajsSource implements EventSource {
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
    const { events, origins, unreadable, dropped } = decodeBatch(batch.topic, batch.partition, batch.messages);
    for (const { origin, reason } of dropped) {
      this.metrics.dropped.inc({ reason });
      this.logger.warn({ ...origin, reason }, 'skipped an empty message');
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

import type { Consumer, Message, MessagesStream } from '@platformatic/kafka' with { 'resolution-mode': 'import' };
import { Registry } from 'prom-client';
import { type Config, type Logger, silentLogger, describeError, UnavailableError } from '../../../common';
import type { BatchHandler, EventSource } from '../../bus';
import { decodeBatch, type DecodedBatch } from '../decode-event';
import { createSourceMetrics } from '../kafka-metrics';
import type { KafkaSourceOptions } from '../kafka-source';
import { topicUnavailable } from '../topic-unavailable';
import { baseOptions, closeForcibly, loadPlatformatic } from './load-platformatic';
import { PlatformaticDriver } from './platformatic-driver';

/** First and longest wait before a failed batch is delivered again, or a failed consumer restarted (as the kafkajs source's retry). */
const RETRY_MIN_MS = 300;
const RETRY_MAX_MS = 30_000;

/** A batch taken from a partition's queue: its messages, decoded once however often it is delivered. */
interface Batch {
  readonly messages: readonly Message[];
  readonly decoded: DecodedBatch;
}

/** One partition this member was assigned: what was fetched of it and not handed over yet. */
interface PartitionQueue {
  readonly partition: number;
  messages: Message[];
  bytes: number;
  /** The offset after the last message queued or handed over: a refetch after a rejoin repeats what lies below. */
  next: bigint;
  /** Its batch in the handler, if one is. */
  busy: boolean;
  /** The batch whose handler failed, delivered again before anything else of the partition. */
  failed?: Batch;
  failures: number;
  retryTimer?: NodeJS.Timeout;
}

/**
 * The tracker's side of the bus on @platformatic/kafka (see KafkaSource for the contract).
 *
 * The client hands over messages one by one from a stream that fetches every assigned partition;
 * the batches the handler gets are made here: each partition's messages queue up, and a partition
 * whose handler is free gets all its queued messages (up to `kafka.maxBytesPerPartition`) as one
 * batch, up to `kafka.partitionsConsumedConcurrently` partitions at once. Its offset is committed
 * once the handler resolved. A batch whose handler rejects stays in memory and is delivered again
 * after a backoff, ahead of the rest of its partition, while the other partitions go on. The stream
 * is paused while more than a fetch's worth (`maxBytesPerPartition × partitionsConsumedConcurrently`)
 * waits in the queues, so memory stays bounded however slow the handler. After a rebalance the
 * client refetches from the committed offsets; what was already queued or handed over is not queued
 * twice, and the queues of partitions that went to another member are dropped (it reads them from
 * the committed offset). A consumer whose stream or group membership fails is replaced by a new one
 * after a backoff.
 */
export class PlatformaticSource implements EventSource {
  private readonly config: Config['kafka'];
  private readonly logger: Logger;
  private readonly metrics: ReturnType<typeof createSourceMetrics>;
  private readonly driver: PlatformaticDriver;
  private readonly maxQueuedBytes: number;
  private starting?: Promise<void>;
  private closing?: Promise<void>;
  private closed = false;
  private handler?: BatchHandler;
  private consumer?: Consumer;
  private stream?: MessagesStream<Buffer, Buffer, Buffer, Buffer>;
  private joined = false;
  private paused = false;
  private queuedBytes = 0;
  private running = 0;
  private dispatchScheduled = false;
  private restartTimer?: NodeJS.Timeout;
  private restarts = 0;
  private readonly queues = new Map<number, PartitionQueue>();
  /** The partitions of the topic this member was assigned at the last rebalance. */
  private owned = new Set<number>();
  private readonly inFlight = new Set<Promise<void>>();

  constructor(options: KafkaSourceOptions) {
    this.config = options.kafka;
    this.logger = (options.logger ?? silentLogger()).child({ component: 'kafka-source' });
    this.metrics = createSourceMetrics(options.registry ?? new Registry());
    this.driver = new PlatformaticDriver(this.config, this.logger);
    this.maxQueuedBytes = this.config.maxBytesPerPartition * this.config.partitionsConsumedConcurrently;
  }

  /** Creates the topic when it does not exist, so that the group can join it. */
  start(): Promise<void> {
    return (this.starting ??= this.driver.ensureTopic().catch((err: unknown) => {
      this.starting = undefined;
      throw topicUnavailable(this.config, err);
    }));
  }

  async subscribe(handler: BatchHandler): Promise<void> {
    if (this.closed) throw new UnavailableError('the Kafka bus is closed');
    if (this.handler) throw new Error('KafkaSource.subscribe() was already called; one source has one consumer');
    this.handler = handler;
    await this.start();
    try {
      await this.connect();
    } catch (err) {
      this.handler = undefined;
      throw new UnavailableError(`cannot consume from Kafka at ${this.config.brokers.join(',')}: ${describeError(err)}`, err);
    }
  }

  /** True while the consumer is in its group. */
  isReady(): boolean {
    return !this.closed && this.joined && this.consumer?.isActive() === true;
  }

  /** Lets the batches in the handler finish and commit, then leaves the group and disconnects. */
  close(): Promise<void> {
    return (this.closing ??= (async () => {
      this.closed = true;
      this.joined = false;
      clearTimeout(this.restartTimer);
      for (const queue of this.queues.values()) clearTimeout(queue.retryTimer);
      this.stream?.pause();
      while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
      if (this.consumer) await closeForcibly(this.consumer).catch((err: unknown) => this.logger.warn({ err }, 'error while disconnecting the Kafka consumer'));
    })());
  }

  /** A new consumer in the group, and its stream of messages from the committed offsets (from the start for a new group). */
  private async connect(): Promise<void> {
    const { Consumer, MessagesStreamModes, MessagesStreamFallbackModes } = await loadPlatformatic();
    const consumer = new Consumer({
      ...baseOptions(this.config),
      groupId: this.config.groupId,
      autocommit: false,
      maxBytesPerPartition: this.config.maxBytesPerPartition,
      maxBytes: this.maxQueuedBytes,
      // kafkajs's values, so that either client's group behaves alike on a rebalance.
      sessionTimeout: 30_000,
      rebalanceTimeout: 60_000,
      heartbeatInterval: 3000,
      // kafkajs's round-robin assignment protocol, by its name: members of both clients can then be
      // in one group (both write the standard consumer protocol), so trackers can switch client one
      // replica at a time. Under another name the broker would refuse the second client's members.
      protocols: [{ name: 'RoundRobinAssigner', version: 0 }],
    });
    consumer.on('consumer:group:join', ({ assignments }) => this.assigned(assignments?.find((a) => a.topic === this.config.topic)?.partitions ?? []));
    consumer.on('consumer:group:leave', () => (this.joined = false));
    // The client emits an error when it could not rejoin the group after its retries.
    consumer.on('error', (err: Error) => this.failed(consumer, err));
    this.consumer = consumer;
    try {
      if (this.closed) throw new UnavailableError('the Kafka bus is closed');
      const stream = await consumer.consume({ topics: [this.config.topic], mode: MessagesStreamModes.COMMITTED, fallbackMode: MessagesStreamFallbackModes.EARLIEST, autocommit: false });
      stream.on('data', (message: Message) => this.enqueue(message));
      stream.on('error', (err: Error) => this.failed(consumer, err));
      this.stream = stream;
      this.paused = false;
    } catch (err) {
      this.consumer = undefined;
      this.joined = false;
      await closeForcibly(consumer).catch(() => undefined);
      throw err;
    }
  }

  /** A rebalance gave this member `partitions`: the others' queues go, the kept ones stay. */
  private assigned(partitions: readonly number[]): void {
    this.owned = new Set(partitions);
    for (const [partition, queue] of this.queues) {
      if (this.owned.has(partition)) continue;
      this.drop(queue);
      // One in the handler is deleted when it ends (see deliver), so that its queue is not reused meanwhile.
      if (!queue.busy) this.queues.delete(partition);
    }
    for (const partition of partitions) if (!this.queues.has(partition)) this.queues.set(partition, { partition, messages: [], bytes: 0, next: -1n, busy: false, failures: 0 });
    this.joined = true;
    this.restarts = 0;
    this.resumeIfDrained();
  }

  private enqueue(message: Message): void {
    const queue = this.queues.get(message.partition);
    // A message of a fetch made before the rebalance that gave its partition away.
    if (this.closed || !queue || !this.owned.has(message.partition)) return;
    // Repeated by the refetch from the committed offset that follows a rebalance.
    if (message.offset < queue.next) return;
    queue.next = message.offset + 1n;
    const size = (message.value?.length ?? 0) + (message.key?.length ?? 0);
    queue.messages.push(message);
    queue.bytes += size;
    this.queuedBytes += size;
    if (this.queuedBytes > this.maxQueuedBytes && !this.paused) {
      this.paused = true;
      this.stream?.pause();
    }
    this.scheduleDispatch();
  }

  /** Dispatches once the messages of one fetch response are all queued, so that they make one batch per partition. */
  private scheduleDispatch(): void {
    if (this.dispatchScheduled) return;
    this.dispatchScheduled = true;
    setImmediate(() => {
      this.dispatchScheduled = false;
      this.dispatch();
    });
  }

  /** Hands a batch to the handler for each free partition with messages, while fewer than partitionsConsumedConcurrently run. */
  private dispatch(): void {
    if (this.closed) return;
    for (const queue of [...this.queues.values()]) {
      if (this.running >= this.config.partitionsConsumedConcurrently) break;
      if (queue.busy || queue.retryTimer) continue;
      const batch = queue.failed ?? this.take(queue);
      if (!batch) continue;
      queue.failed = undefined;
      // To the end of the round: a partition that always has messages does not starve the others.
      this.queues.delete(queue.partition);
      this.queues.set(queue.partition, queue);
      const delivery = this.deliver(queue, batch).finally(() => this.inFlight.delete(delivery));
      this.inFlight.add(delivery);
    }
  }

  /** The queued messages of a partition up to maxBytesPerPartition (at least one), decoded. */
  private take(queue: PartitionQueue): Batch | undefined {
    if (queue.messages.length === 0) return undefined;
    let count = 0;
    let bytes = 0;
    while (count < queue.messages.length) {
      const message = queue.messages[count]!;
      const size = (message.value?.length ?? 0) + (message.key?.length ?? 0);
      if (count > 0 && bytes + size > this.config.maxBytesPerPartition) break;
      bytes += size;
      count += 1;
    }
    const messages = queue.messages.splice(0, count);
    queue.bytes -= bytes;
    this.queuedBytes -= bytes;
    this.resumeIfDrained();
    const decoded = decodeBatch(this.config.topic, queue.partition, messages);
    for (const { origin, reason } of decoded.dropped) {
      this.metrics.dropped.inc({ reason });
      this.logger.warn({ ...origin, reason }, 'skipped an empty message');
    }
    return { messages, decoded };
  }

  private async deliver(queue: PartitionQueue, batch: Batch): Promise<void> {
    this.running += 1;
    queue.busy = true;
    try {
      const { events, origins, unreadable } = batch.decoded;
      if (events.length > 0 || unreadable.length > 0) {
        try {
          await this.handler!(events, { origins, unreadable });
        } catch (err) {
          this.metrics.handlerFailures.inc();
          this.logger.warn({ err, topic: this.config.topic, partition: queue.partition, offset: String(batch.messages[0]!.offset) }, 'the batch handler failed; the batch will be delivered again');
          this.retryLater(queue, batch);
          return;
        }
      }
      queue.failures = 0;
      // A partition that went to another member meanwhile: committing now could move its offset
      // back behind the new owner's; that member delivers the batch again instead.
      if (!this.owned.has(queue.partition)) return;
      try {
        await batch.messages[batch.messages.length - 1]!.commit();
      } catch (err) {
        // Applied but not committed: a member that reads the partition from its committed offset
        // delivers the batch again, and the apply is idempotent.
        this.logger.warn({ err, topic: this.config.topic, partition: queue.partition }, 'could not commit the offset of a handled batch');
      }
    } finally {
      this.running -= 1;
      queue.busy = false;
      if (this.queues.get(queue.partition) === queue && !this.owned.has(queue.partition)) this.queues.delete(queue.partition);
      this.scheduleDispatch();
    }
  }

  /** Keeps a failed batch for another delivery after a backoff, unless its partition went to another member. */
  private retryLater(queue: PartitionQueue, batch: Batch): void {
    if (this.closed || this.queues.get(queue.partition) !== queue || !this.owned.has(queue.partition)) return;
    queue.failed = batch;
    const delay = Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** queue.failures);
    queue.failures += 1;
    queue.retryTimer = setTimeout(() => {
      queue.retryTimer = undefined;
      this.scheduleDispatch();
    }, delay);
    queue.retryTimer.unref();
  }

  /** Forgets what a partition had queued and failed (it is read again from its committed offset). */
  private drop(queue: PartitionQueue): void {
    clearTimeout(queue.retryTimer);
    queue.retryTimer = undefined;
    queue.failed = undefined;
    this.queuedBytes -= queue.bytes;
    queue.messages = [];
    queue.bytes = 0;
    queue.next = -1n;
    queue.failures = 0;
  }

  private resumeIfDrained(): void {
    if (this.paused && this.queuedBytes <= this.maxQueuedBytes / 2) {
      this.paused = false;
      this.stream?.resume();
    }
  }

  /**
   * The stream or the group membership failed: this consumer is closed and a new one joins after a
   * backoff, reading from the committed offsets. Batches in the handler finish (their commits may fail:
   * they are delivered again, and the apply is idempotent).
   */
  private failed(consumer: Consumer, err: Error): void {
    if (this.closed || consumer !== this.consumer) return;
    this.logger.error({ err }, 'the Kafka consumer failed and restarts');
    this.consumer = undefined;
    this.stream = undefined;
    this.joined = false;
    this.owned = new Set();
    for (const queue of this.queues.values()) this.drop(queue);
    this.queues.clear();
    this.paused = false;
    void closeForcibly(consumer).catch(() => undefined);
    this.scheduleRestart();
  }

  private scheduleRestart(): void {
    if (this.closed || this.restartTimer) return;
    const delay = Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** this.restarts);
    this.restarts += 1;
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      this.connect().catch((err: unknown) => {
        this.logger.warn({ err }, 'the Kafka consumer could not rejoin; trying again');
        this.scheduleRestart();
      });
    }, delay);
    this.restartTimer.unref();
  }
}

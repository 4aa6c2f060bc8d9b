import { Kafka, Partitioners, logLevel, type Consumer, type EachBatchPayload, type KafkaMessage, type LogEntry, type Message, type Producer } from 'kafkajs';
import { Counter, Gauge, Registry } from 'prom-client';
import type { Config, Logger } from '../common';
import { silentLogger } from '../common/logger';
import { describeError, UnavailableError } from '../common/errors';
import { orderEventShape, type OrderEvent } from '../events';
import type { BatchHandler, Bus } from './bus';

// kafkajs is unmaintained: it is used in this file only, so that replacing it touches nothing else.

/** Why a message read from the topic was skipped: the values of the `reason` label of `orderscope_bus_dropped_total`. */
export const DROP_REASONS = ['no_value', 'not_json', 'invalid_event'] as const;
export type DropReason = (typeof DROP_REASONS)[number];

/** The Kafka bus's metric catalogue (names, help texts, labels), read by the dashboard and alert generators. */
export const KAFKA_BUS_METRICS = {
  dropped: {
    name: 'orderscope_bus_dropped_total',
    help: 'Messages read from the order-event topic that could not be decoded as an order event and were skipped, by reason.',
    labelNames: ['reason'],
    reasons: DROP_REASONS,
  },
  handlerFailures: {
    name: 'orderscope_bus_handler_failures_total',
    help: 'Batches whose handler failed; each is delivered again (its offsets are not committed).',
    labelNames: [],
  },
  producerResets: {
    name: 'orderscope_bus_producer_resets_total',
    help: 'Times the Kafka producer was replaced after a failed or timed-out send (then reconnected in the background).',
    labelNames: [],
  },
  consumerLag: {
    name: 'orderscope_bus_consumer_lag_messages',
    help: 'Messages of the partition after the last batch this consumer handled (high watermark - last offset - 1), per partition it owns; a partition moved to another consumer of the group leaves this one, so summing over the group counts each partition once.',
    labelNames: ['topic', 'partition'],
  },
} as const;

export interface KafkaBusOptions {
  /** The `kafka` section of the config: brokers, topic, partitions, groupId, timeouts. */
  kafka: Config['kafka'];
  /** Longest a publish waits for Kafka's acknowledgement before it rejects with UnavailableError. Default 5000. */
  publishTimeoutMs?: number;
  /** Receives kafkajs's own warnings and errors, and the bus's. */
  logger?: Logger;
  /** Where the bus metrics are registered (a private registry when absent). */
  registry?: Registry;
}

interface PendingPublish {
  readonly messages: Message[];
  readonly bytes: number;
  settled: boolean;
  timer?: NodeJS.Timeout;
  resolve(): void;
  reject(err: UnavailableError): void;
}

/**
 * Upper bound of one produce request, in bytes of keys and values. Kafka refuses a record batch
 * (one per partition per request) above `message.max.bytes`, 1 MiB by default; staying at half of
 * it keeps every batch acceptable whatever the spread of order ids over partitions.
 */
const MAX_SEND_BYTES = 512 * 1024;
/** First and longest wait between background reconnection attempts of the producer. */
const RECONNECT_MIN_MS = 250;
const RECONNECT_MAX_MS = 5000;
/** How often a running batch handler keeps the consumer's group membership alive. */
const HEARTBEAT_EVERY_MS = 3000;

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The bus of production: a Kafka topic, keyed by order_id so that one order's events stay in order
 * on one partition.
 *
 * Publishing uses an idempotent producer with acks from all in-sync replicas; concurrent publishes
 * are merged into one produce request while another is in flight, which is what makes many small
 * HTTP batches cheap. A publish rejects with UnavailableError when Kafka does not acknowledge within
 * `publishTimeoutMs`. After any failed or timed-out send the producer is replaced: its sequence
 * numbers are then uncertain, and reusing them could make the broker discard a later batch as a
 * duplicate. A new producer (new producer id) is connected in the background, so the bus recovers
 * by itself when Kafka comes back.
 *
 * Subscribing joins the consumer group `kafka.groupId` and hands each fetched batch to the handler;
 * offsets are committed only after the handler resolved, so a failed batch is delivered again.
 */
export class KafkaBus implements Bus {
  private readonly kafka: Kafka;
  private readonly config: Config['kafka'];
  private readonly publishTimeoutMs: number;
  private readonly logger: Logger;
  private readonly metrics: ReturnType<typeof createMetrics>;

  private starting?: Promise<void>;
  private closing?: Promise<void>;
  private closed = false;

  private producer?: Producer;
  private connectingProducer?: Promise<Producer>;
  private reconnectTimer?: NodeJS.Timeout;
  private reconnectDelayMs = RECONNECT_MIN_MS;
  private readonly queue: PendingPublish[] = [];
  private pumping?: Promise<void>;
  /** The send in flight: which publishes it carries, on which producer. */
  private inFlight?: { producer: Producer; entries: readonly PendingPublish[] };

  private consumer?: Consumer;
  private consumerReady = false;

  constructor(options: KafkaBusOptions) {
    this.config = options.kafka;
    this.publishTimeoutMs = options.publishTimeoutMs ?? 5000;
    this.logger = (options.logger ?? silentLogger()).child({ component: 'kafka-bus' });
    this.metrics = createMetrics(options.registry ?? new Registry());
    this.kafka = new Kafka({
      clientId: this.config.clientId,
      brokers: this.config.brokers,
      connectionTimeout: this.config.connectionTimeoutMs,
      requestTimeout: this.config.requestTimeoutMs,
      // Few, short retries inside kafkajs: the caller's deadline decides how long to wait, and a
      // client of the collector retries the whole request anyway.
      retry: { initialRetryTime: 100, maxRetryTime: 1000, retries: 2 },
      logLevel: logLevel.WARN,
      logCreator: () => (entry) => this.logKafka(entry),
    });
  }

  /** Creates the topic when it does not exist (with `kafka.partitions` partitions) and connects the producer. */
  start(): Promise<void> {
    return (this.starting ??= (async () => {
      await this.ensureTopic();
      await this.getProducer();
    })().catch((err: unknown) => {
      this.starting = undefined;
      throw err;
    }));
  }

  publish(events: readonly OrderEvent[]): Promise<void> {
    if (this.closed) return Promise.reject(new UnavailableError('the Kafka bus is closed'));
    if (events.length === 0) return Promise.resolve();
    let bytes = 0;
    const messages = events.map((event) => {
      // A Buffer (kafkajs would make one anyway) so that the size below is in bytes, not characters.
      const value = Buffer.from(JSON.stringify(event), 'utf8');
      bytes += value.length + event.order_id.length;
      return { key: event.order_id, value };
    });
    return new Promise<void>((resolve, reject) => {
      const entry: PendingPublish = { messages, bytes, settled: false, resolve, reject };
      entry.timer = setTimeout(() => this.expire(entry), this.publishTimeoutMs);
      entry.timer.unref();
      this.queue.push(entry);
      this.pumping ??= this.pump().finally(() => (this.pumping = undefined));
    });
  }

  async subscribe(handler: BatchHandler): Promise<void> {
    if (this.closed) throw new UnavailableError('the Kafka bus is closed');
    if (this.consumer) throw new Error('KafkaBus.subscribe() was already called; one bus has one consumer');
    await this.ensureTopic();
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
    consumer.on(GROUP_JOIN, ({ payload }) => {
      this.consumerReady = true;
      // Partitions given to another member are its to report now: a stale value here would be
      // counted twice by sum() over the group.
      this.metrics.consumerLag.keep(payload.memberAssignment);
    });
    consumer.on(CRASH, ({ payload }) => {
      this.consumerReady = false;
      this.metrics.consumerLag.keep({});
      this.logger.error({ err: payload.error, restart: payload.restart }, payload.restart ? 'the Kafka consumer crashed and restarts' : 'the Kafka consumer crashed and stopped');
    });
    for (const event of [DISCONNECT, STOP]) {
      consumer.on(event, () => {
        this.consumerReady = false;
        this.metrics.consumerLag.keep({});
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

  /** True while the producer is connected and, once subscribed, the consumer is in its group. */
  isReady(): boolean {
    return !this.closed && this.producer !== undefined && (this.consumer === undefined || this.consumerReady);
  }

  /** Lets queued publishes finish (each within its timeout), then disconnects consumer and producer. */
  close(): Promise<void> {
    return (this.closing ??= (async () => {
      this.closed = true;
      clearTimeout(this.reconnectTimer);
      while (this.pumping) await this.pumping;
      await this.consumer?.disconnect().catch((err: unknown) => this.logger.warn({ err }, 'error while disconnecting the Kafka consumer'));
      const producer = this.producer ?? (await this.connectingProducer?.catch(() => undefined));
      this.producer = undefined;
      await producer?.disconnect().catch((err: unknown) => this.logger.warn({ err }, 'error while disconnecting the Kafka producer'));
    })());
  }

  // --- publishing -------------------------------------------------------------------------------

  /** Sends queued publishes, merging whatever queued up while the previous send was in flight. */
  private async pump(): Promise<void> {
    while (this.queue.length > 0) {
      const taken = this.takeBatch();
      if (taken.length === 0) continue;
      let producer: Producer;
      try {
        producer = await this.getProducer();
      } catch (err) {
        this.settle(taken, err);
        continue;
      }
      this.inFlight = { producer, entries: taken };
      try {
        for (const messages of chunks(taken.filter((e) => !e.settled))) {
          await producer.send({ topic: this.config.topic, acks: -1, timeout: this.publishTimeoutMs, messages });
        }
        this.settle(taken);
      } catch (err) {
        this.replaceProducer(producer, err);
        this.settle(taken, err);
      } finally {
        this.inFlight = undefined;
        // A producer dropped while its send was in flight may have been reconnected by kafkajs's own
        // retry of that send; disconnect it again so that no orphan connection stays open.
        if (this.producer !== producer) producer.disconnect().catch(() => undefined);
      }
    }
  }

  /** Takes queued, unexpired publishes up to MAX_SEND_BYTES (always at least one). */
  private takeBatch(): PendingPublish[] {
    const taken: PendingPublish[] = [];
    let bytes = 0;
    while (this.queue.length > 0 && (taken.length === 0 || bytes + this.queue[0]!.bytes <= MAX_SEND_BYTES)) {
      const entry = this.queue.shift()!;
      if (entry.settled) continue;
      taken.push(entry);
      bytes += entry.bytes;
    }
    return taken;
  }

  private settle(entries: readonly PendingPublish[], err?: unknown): void {
    for (const entry of entries) {
      if (entry.settled) continue;
      entry.settled = true;
      clearTimeout(entry.timer);
      if (err === undefined) entry.resolve();
      else entry.reject(err instanceof UnavailableError ? err : new UnavailableError(`Kafka did not take the events: ${describeError(err)}`, err));
    }
  }

  /** A publish's deadline passed: refuse it; if its send is in flight, the producer is suspect. */
  private expire(entry: PendingPublish): void {
    if (entry.settled) return;
    this.settle([entry], new UnavailableError(`Kafka did not acknowledge the events within ${this.publishTimeoutMs} ms`));
    if (this.inFlight?.entries.includes(entry)) this.replaceProducer(this.inFlight.producer, new Error(`a send took longer than ${this.publishTimeoutMs} ms`));
  }

  // --- producer lifecycle ------------------------------------------------------------------------

  private getProducer(): Promise<Producer> {
    if (this.producer) return Promise.resolve(this.producer);
    if (this.closed && !this.connectingProducer) return Promise.reject(new UnavailableError('the Kafka bus is closed'));
    return (this.connectingProducer ??= this.connectProducer().finally(() => (this.connectingProducer = undefined)));
  }

  private async connectProducer(): Promise<Producer> {
    const producer = this.kafka.producer({
      idempotent: true,
      // kafkajs requires one request in flight per connection for an idempotent producer.
      maxInFlightRequests: 1,
      // Explicit, so kafkajs does not warn about its v2 default change; murmur2 like the Java client.
      createPartitioner: Partitioners.DefaultPartitioner,
      allowAutoTopicCreation: false,
      retry: { retries: 2 },
    });
    producer.on(producer.events.DISCONNECT, () => {
      if (this.producer === producer) this.producer = undefined;
    });
    try {
      await producer.connect();
    } catch (err) {
      await producer.disconnect().catch(() => undefined);
      this.scheduleReconnect();
      throw new UnavailableError(`cannot connect to Kafka at ${this.config.brokers.join(',')}: ${describeError(err)}`, err);
    }
    if (this.closed) {
      await producer.disconnect().catch(() => undefined);
      throw new UnavailableError('the Kafka bus is closed');
    }
    this.producer = producer;
    this.reconnectDelayMs = RECONNECT_MIN_MS;
    return producer;
  }

  /** Drops a producer whose send failed or timed out, and reconnects a fresh one in the background. */
  private replaceProducer(producer: Producer, cause: unknown): void {
    if (this.producer !== producer) return;
    this.producer = undefined;
    this.metrics.producerResets.inc();
    this.logger.warn({ cause: describeError(cause) }, 'a Kafka send failed; replacing the producer');
    producer.disconnect().catch((err: unknown) => this.logger.debug({ err }, 'error while disconnecting a failed Kafka producer'));
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.reconnectTimer) return;
    const delay = this.reconnectDelayMs;
    this.reconnectDelayMs = Math.min(RECONNECT_MAX_MS, this.reconnectDelayMs * 2);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      // A failure reschedules itself from connectProducer; success resets the delay.
      this.getProducer().catch(() => undefined);
    }, delay);
    this.reconnectTimer.unref();
  }

  private async ensureTopic(): Promise<void> {
    const { topic, partitions, replicationFactor } = this.config;
    const admin = this.kafka.admin();
    try {
      await admin.connect();
      // Look before creating: kafkajs logs "already exists" as an error even though it is the usual case.
      // Two processes starting at once may still both try to create it; the loser's false is fine.
      if (!(await admin.listTopics()).includes(topic)) {
        await admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor }], waitForLeaders: true });
        return;
      }
      const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
      const existing = metadata.topics[0]?.partitions.length;
      if (existing !== undefined && existing !== partitions) {
        this.logger.warn({ topic, partitions: existing, configured: partitions }, 'the topic exists with another partition count than kafka.partitions; keeping it');
      }
    } catch (err) {
      throw new UnavailableError(`cannot create or inspect the topic "${topic}" on Kafka at ${this.config.brokers.join(',')}: ${describeError(err)}`, err);
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  // --- consuming ---------------------------------------------------------------------------------

  private async deliver(payload: EachBatchPayload, handler: BatchHandler): Promise<void> {
    const { batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale } = payload;
    const last = batch.messages[batch.messages.length - 1];
    if (!last || !isRunning() || isStale()) return;
    const events: OrderEvent[] = [];
    for (const message of batch.messages) {
      const decoded = decodeEvent(message);
      if ('event' in decoded) {
        events.push(decoded.event);
        continue;
      }
      this.metrics.dropped.inc({ reason: decoded.dropped });
      this.logger.warn({ topic: batch.topic, partition: batch.partition, offset: message.offset, reason: decoded.dropped }, 'skipped a message that is not an order event');
    }
    if (events.length > 0) {
      // A slow handler (a large transaction) must not cost the group membership.
      const beat = setInterval(() => heartbeat().catch(() => undefined), HEARTBEAT_EVERY_MS);
      beat.unref();
      try {
        await handler(events);
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
    this.metrics.consumerLag.set(batch.topic, batch.partition, partitionLag(batch.highWatermark, last.offset));
    await heartbeat();
  }

  private logKafka({ namespace, level, log }: LogEntry): void {
    const { message, timestamp: _timestamp, logger: _logger, ...fields } = log;
    // We never reuse an idempotent producer after a failed send (see class comment), which is the
    // risk this kafkajs warning is about.
    if (message.startsWith('Limiting retries for the idempotent producer')) return;
    const method = level === logLevel.ERROR ? 'error' : level === logLevel.WARN ? 'warn' : level === logLevel.INFO ? 'info' : 'debug';
    this.logger[method]({ kafkajs: namespace, ...fields }, message);
  }
}

/** The order event in a Kafka message, or why there is none. */
export function decodeEvent(message: Pick<KafkaMessage, 'value'>): { event: OrderEvent } | { dropped: DropReason } {
  if (!message.value || message.value.length === 0) return { dropped: 'no_value' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(strictUtf8.decode(message.value));
  } catch {
    return { dropped: 'not_json' };
  }
  const result = orderEventShape.safeParse(parsed);
  return result.success ? { event: result.data } : { dropped: 'invalid_event' };
}

/**
 * Messages of a partition after `lastOffset`: its high watermark is the offset the next message will
 * get. Never negative (the watermark of a batch may be older than its last message's offset).
 */
export function partitionLag(highWatermark: string, lastOffset: string): number {
  return Math.max(0, Number(highWatermark) - Number(lastOffset) - 1);
}

/** The consumer lag gauge, with the partitions it reports kept to those this consumer owns. */
class ConsumerLagGauge {
  private readonly gauge: Gauge<'topic' | 'partition'>;
  private readonly reported = new Map<string, { topic: string; partition: string }>();

  constructor(registry: Registry) {
    const m = KAFKA_BUS_METRICS.consumerLag;
    this.gauge = new Gauge({ name: m.name, help: m.help, labelNames: [...m.labelNames], registers: [registry] });
  }

  set(topic: string, partition: number, lag: number): void {
    const labels = { topic, partition: String(partition) };
    this.reported.set(`${topic}\u0000${partition}`, labels);
    this.gauge.set(labels, lag);
  }

  /** Drops the partitions not in `assignment` (topic -> partitions), e.g. after a rebalance. */
  keep(assignment: Readonly<Record<string, readonly number[]>>): void {
    for (const [key, labels] of this.reported) {
      if (assignment[labels.topic]?.includes(Number(labels.partition))) continue;
      this.gauge.remove(labels);
      this.reported.delete(key);
    }
  }
}

/** Splits messages into produce requests of at most MAX_SEND_BYTES (a single larger message goes alone). */
function chunks(entries: readonly PendingPublish[]): Message[][] {
  const out: Message[][] = [];
  let current: Message[] = [];
  let bytes = 0;
  for (const entry of entries) {
    for (const message of entry.messages) {
      const size = (message.value as Buffer).length + (message.key as string).length;
      if (current.length > 0 && bytes + size > MAX_SEND_BYTES) {
        out.push(current);
        current = [];
        bytes = 0;
      }
      current.push(message);
      bytes += size;
    }
  }
  if (current.length > 0) out.push(current);
  return out;
}

function createMetrics(registry: Registry) {
  const m = KAFKA_BUS_METRICS;
  const registers = [registry];
  const dropped = new Counter({ name: m.dropped.name, help: m.dropped.help, labelNames: [...m.dropped.labelNames], registers });
  for (const reason of DROP_REASONS) dropped.inc({ reason }, 0);
  return {
    dropped,
    handlerFailures: new Counter({ name: m.handlerFailures.name, help: m.handlerFailures.help, registers }),
    producerResets: new Counter({ name: m.producerResets.name, help: m.producerResets.help, registers }),
    consumerLag: new ConsumerLagGauge(registry),
  };
}

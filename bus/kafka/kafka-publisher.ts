import { Registry } from 'prom-client';
import { type Config, type Logger, silentLogger, describeError, UnavailableError } from '../../common';
import { orderEventJson, type OrderEvent } from '../../events';
import type { EventPublisher, PublishOptions } from '../bus';
import { kafkaDriver, type KafkaDriver, type KeyedMessage, type ProducerLink } from './kafka-driver';
import { createPublisherMetrics } from './kafka-metrics';
import { topicUnavailable } from './topic-unavailable';

export interface KafkaPublisherOptions {
  /** The `kafka` section of the config: client, brokers, topic, partitions, timeouts. */
  kafka: Config['kafka'];
  /** Longest a publish waits for Kafka's acknowledgement before it rejects with UnavailableError. Default 5000. */
  publishTimeoutMs?: number;
  /** Receives the Kafka client's own warnings and errors, and the publisher's. */
  logger?: Logger;
  /** Where the publisher's metrics are registered (a private registry when absent). */
  registry?: Registry;
}

interface PendingPublish {
  readonly messages: KeyedMessage[];
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

/**
 * The collector's side of the bus in production: publishes to a Kafka topic, keyed by order_id so
 * that one order's events stay in order on one partition, through the client library
 * `kafkaClientFor(kafka, 'publisher')` names (see kafka-driver.ts).
 *
 * An idempotent producer with acks from all in-sync replicas; concurrent publishes are merged into
 * one produce request while another is in flight, which is what makes many small HTTP batches
 * cheap. A publish rejects with UnavailableError when Kafka does not acknowledge within
 * `publishTimeoutMs`, or when its `signal` aborts before its send started. After any failed or
 * timed-out send the producer is replaced: its sequence numbers are then uncertain, and reusing them
 * could make the broker discard a later batch as a duplicate. A new producer (new producer id) is
 * connected in the background, so the publisher recovers by itself when Kafka comes back.
 */
export class KafkaPublisher implements EventPublisher {
  private readonly driver: KafkaDriver;
  private readonly config: Config['kafka'];
  private readonly publishTimeoutMs: number;
  private readonly logger: Logger;
  private readonly metrics: ReturnType<typeof createPublisherMetrics>;

  private starting?: Promise<void>;
  private closing?: Promise<void>;
  private closed = false;

  private producer?: ProducerLink;
  private connectingProducer?: Promise<ProducerLink>;
  private reconnectTimer?: NodeJS.Timeout;
  private reconnectDelayMs = RECONNECT_MIN_MS;
  private readonly queue: PendingPublish[] = [];
  private pumping?: Promise<void>;
  /** The send in flight: which publishes it carries, on which producer. */
  private inFlight?: { producer: ProducerLink; entries: readonly PendingPublish[] };

  constructor(options: KafkaPublisherOptions) {
    this.config = options.kafka;
    this.publishTimeoutMs = options.publishTimeoutMs ?? 5000;
    this.logger = (options.logger ?? silentLogger()).child({ component: 'kafka-publisher' });
    this.metrics = createPublisherMetrics(options.registry ?? new Registry());
    this.driver = kafkaDriver(this.config, 'publisher', this.logger);
  }

  /** Creates the topic when it does not exist (with `kafka.partitions` partitions) and connects the producer. */
  start(): Promise<void> {
    return (this.starting ??= (async () => {
      try {
        await this.driver.ensureTopic();
      } catch (err) {
        throw topicUnavailable(this.config, err);
      }
      await this.getProducer();
    })().catch((err: unknown) => {
      this.starting = undefined;
      throw err;
    }));
  }

  publish(events: readonly OrderEvent[], options: PublishOptions = {}): Promise<void> {
    if (this.closed) return Promise.reject(new UnavailableError('the Kafka bus is closed'));
    if (events.length === 0) return Promise.resolve();
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(new UnavailableError('the publisher gave up before the events were sent'));
    let bytes = 0;
    const messages = events.map((event) => {
      // A Buffer (the client would make one anyway) so that the size below is in bytes, not characters.
      const value = orderEventJson(event);
      bytes += value.length + event.order_id.length;
      return { key: event.order_id, value };
    });
    return new Promise<void>((resolve, reject) => {
      const entry: PendingPublish = { messages, bytes, settled: false, resolve, reject };
      entry.timer = setTimeout(() => this.expire(entry), this.publishTimeoutMs);
      entry.timer.unref();
      // Withdrawn only while still queued: a send in flight cannot be called back, and the consumer
      // deduplicates the client's retry by event_id.
      signal?.addEventListener('abort', () => {
        if (this.queue.includes(entry)) this.settle([entry], new UnavailableError('the publisher gave up before the events were sent; they were withdrawn'));
      }, { once: true });
      this.queue.push(entry);
      this.startPump();
    });
  }

  /** True while the producer is connected. */
  isReady(): boolean {
    return !this.closed && this.producer !== undefined;
  }

  /**
   * How many partitions the topic has on Kafka now, which may differ from `kafka.partitions` for a
   * topic created before: what the collector's heartbeats need, one per partition.
   */
  async partitionCount(): Promise<number> {
    try {
      return await this.driver.partitionCount();
    } catch (err) {
      throw new UnavailableError(`cannot read the partitions of the topic "${this.config.topic}": ${describeError(err)}`, err);
    }
  }

  /** Lets queued publishes finish (each within its timeout), then disconnects the producer. */
  close(): Promise<void> {
    return (this.closing ??= (async () => {
      this.closed = true;
      clearTimeout(this.reconnectTimer);
      while (this.pumping) await this.pumping;
      const producer = this.producer ?? (await this.connectingProducer?.catch(() => undefined));
      this.producer = undefined;
      await producer?.close().catch((err: unknown) => this.logger.warn({ err }, 'error while disconnecting the Kafka producer'));
    })());
  }

  /**
   * Starts the pump unless it runs. A publish queued just as the pump finished (its caller resumed
   * by the settle that ended the pump's last round) finds `pumping` still set: the pump's end
   * starts it again, or that publish would wait for the next one.
   */
  private startPump(): void {
    this.pumping ??= this.pump().finally(() => {
      this.pumping = undefined;
      if (this.queue.some((e) => !e.settled)) this.startPump();
    });
  }

  /** Sends queued publishes, merging whatever queued up while the previous send was in flight. */
  private async pump(): Promise<void> {
    while (this.queue.length > 0) {
      const taken = this.takeBatch();
      if (taken.length === 0) continue;
      let producer: ProducerLink;
      try {
        producer = await this.getProducer();
      } catch (err) {
        this.settle(taken, err);
        continue;
      }
      this.inFlight = { producer, entries: taken };
      try {
        for (const messages of chunks(taken.filter((e) => !e.settled))) {
          await producer.send(messages);
        }
        this.settle(taken);
      } catch (err) {
        this.replaceProducer(producer, err);
        this.settle(taken, err);
      } finally {
        this.inFlight = undefined;
        // A producer dropped while its send was in flight may have been reconnected by the client's own
        // retry of that send; disconnect it again so that no orphan connection stays open.
        if (this.producer !== producer) producer.close().catch(() => undefined);
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

  private getProducer(): Promise<ProducerLink> {
    if (this.producer) return Promise.resolve(this.producer);
    if (this.closed && !this.connectingProducer) return Promise.reject(new UnavailableError('the Kafka bus is closed'));
    return (this.connectingProducer ??= this.connectProducer().finally(() => (this.connectingProducer = undefined)));
  }

  private async connectProducer(): Promise<ProducerLink> {
    let producer: ProducerLink;
    try {
      producer = await this.driver.connectProducer({
        sendTimeoutMs: this.publishTimeoutMs,
        onLost: () => {
          if (this.producer === producer) this.producer = undefined;
        },
      });
    } catch (err) {
      this.scheduleReconnect();
      throw new UnavailableError(`cannot connect to Kafka at ${this.config.brokers.join(',')}: ${describeError(err)}`, err);
    }
    if (this.closed) {
      await producer.close().catch(() => undefined);
      throw new UnavailableError('the Kafka bus is closed');
    }
    this.producer = producer;
    this.reconnectDelayMs = RECONNECT_MIN_MS;
    return producer;
  }

  /** Drops a producer whose send failed or timed out, and reconnects a fresh one in the background. */
  private replaceProducer(producer: ProducerLink, cause: unknown): void {
    if (this.producer !== producer) return;
    this.producer = undefined;
    this.metrics.producerResets.inc();
    this.logger.warn({ cause: describeError(cause) }, 'a Kafka send failed; replacing the producer');
    producer.close().catch((err: unknown) => this.logger.debug({ err }, 'error while disconnecting a failed Kafka producer'));
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
}

/** Splits messages into produce requests of at most MAX_SEND_BYTES (a single larger message goes alone). */
function chunks(entries: readonly PendingPublish[]): KeyedMessage[][] {
  const out: KeyedMessage[][] = [];
  let current: KeyedMessage[] = [];
  let bytes = 0;
  for (const entry of entries) {
    for (const message of entry.messages) {
      const size = message.value.length + message.key.length;
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

import { kafkaClientFor, type Config, type Logger } from '../../common';
import { KafkajsDriver } from './kafkajs/kafkajs-driver';
import { PlatformaticDriver } from './platformatic/platformatic-driver';

/** One message to publish: keyed by its order_id, the event's JSON as bytes. */
export interface KeyedMessage {
  readonly key: string;
  readonly value: Buffer;
}

/**
 * A connected idempotent producer with acks from all in-sync replicas. The publisher sends through it
 * one request at a time and drops it after any failed send (its sequence numbers are uncertain then).
 */
export interface ProducerLink {
  /** Sends the messages to the topic, partitioned by murmur2 of the key as the Java client does; resolves once all are acknowledged. */
  send(messages: readonly KeyedMessage[]): Promise<void>;
  close(): Promise<void>;
}

/** The group's position on the topic as the broker holds it: what the lag monitor reads. */
export interface GroupOffsets {
  /** Every partition of the topic with its low and high watermark. */
  readonly watermarks: readonly { readonly partition: number; readonly low: number; readonly high: number }[];
  /** The group's committed offset by partition; absent where it has committed none. */
  readonly committed: ReadonlyMap<number, number>;
  /** Partitions that a member of the group has assigned. */
  readonly owned: ReadonlySet<number>;
  /** How many members the group has. */
  readonly members: number;
}

/** A connection that reads the group's offsets, again and again. */
export interface OffsetsReader {
  read(): Promise<GroupOffsets>;
  close(): Promise<void>;
}

/**
 * What differs between the Kafka client libraries for the publisher and the lag monitor: one
 * implementation per client (`kafka.client`); the queueing, merging, timeouts and assessment above
 * it are written once. Errors are the client's own; the callers wrap them.
 */
export interface KafkaDriver {
  /** Creates the topic when it does not exist (with `kafka.partitions` partitions); warns when it has another count. */
  ensureTopic(): Promise<void>;
  /** How many partitions the topic has on Kafka now. */
  partitionCount(): Promise<number>;
  /** A new producer (a new producer id), connected; `onLost` is called if it disconnects by itself. */
  connectProducer(options: { readonly sendTimeoutMs: number; readonly onLost: () => void }): Promise<ProducerLink>;
  /** Connects a reader of the group `kafka.groupId`'s offsets on the topic. */
  openOffsetsReader(): Promise<OffsetsReader>;
}

/** The driver of the client that `side` of the bus runs on ({@link kafkaClientFor}), logging through `logger`. */
export function kafkaDriver(config: Config['kafka'], side: 'publisher' | 'consumer', logger: Logger): KafkaDriver {
  return kafkaClientFor(config, side) === 'platformatic' ? new PlatformaticDriver(config, logger) : new KafkajsDriver(config, logger);
}

import type { Registry } from 'prom-client';
import { kafkaClientFor, type Config, type Logger } from '../../common';
import type { BatchHandler, EventSource } from '../bus';
import { KafkajsSource } from './kafkajs/kafkajs-source';
import { PlatformaticSource } from './platformatic/platformatic-source';

export interface KafkaSourceOptions {
  /** The `kafka` section of the config: client, brokers, topic, partitions, groupId, fetch sizes, timeouts. */
  kafka: Config['kafka'];
  /** Receives the Kafka client's own warnings and errors, and the source's. */
  logger?: Logger;
  /** Where the source's metrics are registered (a private registry when absent). */
  registry?: Registry;
}

/**
 * The tracker's side of the bus in production: a member of the consumer group `kafka.groupId` on the
 * order-event topic, through the client library `kafkaClientFor(kafka, 'consumer')` names. Each
 * batch (one partition's messages) goes to the handler with where each event came from and with the
 * messages that are not order events (which the handler keeps as dead letters); offsets are committed
 * only after the handler resolved, so a failed batch is delivered again. Up to `kafka.partitionsConsumedConcurrently`
 * partitions are handled at once, one batch per partition at a time. Tombstones and empty messages
 * carry nothing and are only counted.
 */
export class KafkaSource implements EventSource {
  private readonly source: EventSource;

  constructor(options: KafkaSourceOptions) {
    this.source = kafkaClientFor(options.kafka, 'consumer') === 'platformatic' ? new PlatformaticSource(options) : new KafkajsSource(options);
  }

  /** Creates the topic when it does not exist, so that the group can join it. */
  start(): Promise<void> {
    return this.source.start();
  }

  subscribe(handler: BatchHandler): Promise<void> {
    return this.source.subscribe(handler);
  }

  /** True while the consumer is in its group. */
  isReady(): boolean {
    return this.source.isReady();
  }

  /** Leaves the group after the batches being handled (their offsets are committed), and disconnects. */
  close(): Promise<void> {
    return this.source.close();
  }
}

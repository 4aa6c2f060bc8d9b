import { Counter, Gauge, type Registry } from 'prom-client';

/** Why a message read from the topic was skipped: the values of the `reason` label of `orderscope_bus_dropped_total`. */
export const DROP_REASONS = ['no_value'] as const;
export type DropReason = (typeof DROP_REASONS)[number];

/** The Kafka bus's metric catalogue (names, help texts, labels), read by the dashboard and alert generators. */
export const KAFKA_BUS_METRICS = {
  dropped: {
    name: 'orderscope_bus_dropped_total',
    help: 'Messages read from the order-event topic that carry nothing (tombstones, empty values) and were skipped, by reason. Messages that are not order events are kept as dead letters instead (orderscope_dead_letters_total).',
    labelNames: ['reason'],
    reasons: DROP_REASONS,
  },
  handlerFailures: {
    name: 'orderscope_bus_handler_failures_total',
    help: 'Batches whose handler failed for a transient reason; each is delivered again (its offsets are not committed).',
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

/** The publisher's metrics. */
export function createPublisherMetrics(registry: Registry) {
  const m = KAFKA_BUS_METRICS.producerResets;
  return { producerResets: new Counter({ name: m.name, help: m.help, registers: [registry] }) };
}

/** The source's metrics. */
export function createSourceMetrics(registry: Registry) {
  const m = KAFKA_BUS_METRICS;
  const registers = [registry];
  const dropped = new Counter({ name: m.dropped.name, help: m.dropped.help, labelNames: [...m.dropped.labelNames], registers });
  for (const reason of DROP_REASONS) dropped.inc({ reason }, 0);
  return {
    dropped,
    handlerFailures: new Counter({ name: m.handlerFailures.name, help: m.handlerFailures.help, registers }),
    consumerLag: new ConsumerLagGauge(registry),
  };
}

/** The consumer lag gauge, with the partitions it reports kept to those this consumer owns. */
export class ConsumerLagGauge {
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

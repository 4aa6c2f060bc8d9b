import { PARTITION_STATUSES } from './kafka/partition-status';

// A leaf: no code imported but other leaves (partition-status.ts imports nothing), so that the
// dashboard and alert generators read the bus's metric names without loading kafkajs.

/** Why a message read from the topic was skipped: the values of the `reason` label of `orderscope_bus_dropped_total`. */
export const DROP_REASONS = ['no_value'] as const;
export type DropReason = (typeof DROP_REASONS)[number];

/** The Kafka bus's metric catalogue (names, types, help texts, labels), read by the dashboard and alert generators; kafka/kafka-metrics.ts registers exactly these. */
export const KAFKA_BUS_METRICS = {
  dropped: {
    name: 'orderscope_bus_dropped_total',
    type: 'counter',
    help: 'Messages read from the order-event topic that carry nothing (tombstones, empty values) and were skipped, by reason. Messages that are not order events are kept as dead letters instead (orderscope_dead_letters_total).',
    labelNames: ['reason'],
    reasons: DROP_REASONS,
  },
  handlerFailures: {
    name: 'orderscope_bus_handler_failures_total',
    type: 'counter',
    help: 'Batches whose handler failed for a transient reason; each is delivered again (its offsets are not committed).',
    labelNames: [],
  },
  producerResets: {
    name: 'orderscope_bus_producer_resets_total',
    type: 'counter',
    help: 'Times the Kafka producer was replaced after a failed or timed-out send (then reconnected in the background).',
    labelNames: [],
  },
  consumerLag: {
    name: 'orderscope_bus_consumer_lag_messages',
    type: 'gauge',
    help: "Messages of the partition the tracker's consumer group has not committed yet (high watermark - committed offset), read from the broker by each tracker's lag monitor for every partition of the topic, owned or not, including one whose batches keep failing. Every tracker replica exports the same group-wide value: aggregate with max by (topic, partition), then sum, never sum the replicas.",
    labelNames: ['topic', 'partition'],
  },
  partitionLagSeconds: {
    name: 'orderscope_bus_partition_lag_seconds',
    type: 'gauge',
    help: "Seconds since the group's committed offset of the partition last moved while it had lag (0 when it has none), by the lag monitor's clock: how long the partition has been stuck, not how old its oldest unconsumed message is. The same value on every tracker replica: max by (topic, partition).",
    labelNames: ['topic', 'partition'],
  },
  partitionCommitted: {
    name: 'orderscope_bus_partition_committed_offset',
    type: 'gauge',
    help: "The tracker's consumer group's committed offset of the partition (the next message it will read; the low watermark when it has committed none), read from the broker. The same value on every tracker replica: max by (topic, partition).",
    labelNames: ['topic', 'partition'],
  },
  partitionStatus: {
    name: 'orderscope_bus_partition_status',
    type: 'gauge',
    help: "1 for the partition's current status, 0 for the others, judged by the lag monitor from the broker's offsets over kafka.lagWindowMs: ok; stalled, lag and the committed offset not moving for the window; lagging, lag growing over the window while the offset moves; rewound, the committed offset went backwards; unowned, lag and no member owns it, or the group has no member. A quiet partition (no lag) is ok. The same value on every tracker replica: max by (topic, partition, status).",
    labelNames: ['topic', 'partition', 'status'],
    statuses: PARTITION_STATUSES,
  },
  lagMonitorFailures: {
    name: 'orderscope_bus_lag_monitor_failures_total',
    type: 'counter',
    help: "Readings of the broker's offsets by the lag monitor that failed; meanwhile the partition gauges keep their last values, so a rising count means they are stale.",
    labelNames: [],
  },
} as const;

/**
 * What one replica of each scaled service does, measured, and the autoscaling thresholds derived from
 * it. The figures are from `npm run bench -- scale` and `npm run bench -- collector` on the project's
 * machine (2 cores, PostgreSQL, Kafka and RabbitMQ on the same host); README.md, "Scaling", prints the
 * runs they come from. Measure again on your own hardware and regenerate (`orderscope generate`)
 * before you trust them: the thresholds scale with them.
 */
export const MEASURED = {
  /**
   * Events applied per second by one tracker replica (Kafka -> tracker -> PostgreSQL, a 6-partition
   * topic, the default 2 MiB fetch), using 0.88 cores while PostgreSQL used 0.69: scale bench
   * edbf325e, on a quiet machine.
   */
  trackerEventsPerSecond: 14_758,
  /** Cost analyses per second of one mes-worker with one pricing thread ({@link PRICING_THREADS}), at the default cost: scale bench edbf325e, on a quiet machine. */
  pricingPerSecond: 2.5,
  /**
   * `POST /v1/events` requests per second one collector answers 202: 73,205 events/s in batches of 100
   * events from 8 keep-alive clients, on its default Kafka client (@platformatic/kafka), acks=all
   * (`npm run bench -- collector`, on a quiet machine; the lowest of three runs, the others 73,661
   * and 79,692).
   */
  collectorRequestsPerSecond: 732,
} as const;

/** Pricing threads per mes-worker pod: one, so that a replica is one core's worth of pricing, the unit KEDA adds. */
export const PRICING_THREADS = 1;

/**
 * How fast a backlog must be worked off once KEDA has added the replicas it asks for: each replica
 * gets `threshold = per-replica rate × this many seconds` of it.
 * - Tracker lag: 30 s, a quarter of the lag monitor's window (kafka.lagWindowMs, 120 s), so that a
 *   backlog is gone well before a growing lag opens TrackingLagging.
 * - Pricing queue: 60 s, a fifth of the quote_requested -> pricing handoff (5 minutes), after which
 *   a waiting order is declared lost.
 */
export const DRAIN_SECONDS = { trackerLag: 30, pricingQueue: 60 } as const;

/** The share of a collector's measured request rate (and of its CPU request) at which another one is added. */
export const COLLECTOR_TARGET_UTILIZATION = 0.7;

export interface Threshold {
  readonly value: number;
  /** How it follows from the measurement, for the annotation beside it and the README. */
  readonly reason: string;
}

/** The KEDA thresholds, each with the measurement it derives from. */
export function thresholds(): { trackerLag: Threshold; pricingQueue: Threshold; collectorRequests: Threshold; collectorCpuPercent: Threshold } {
  const percent = Math.round(COLLECTOR_TARGET_UTILIZATION * 100);
  const requests = Math.round(MEASURED.collectorRequestsPerSecond * COLLECTOR_TARGET_UTILIZATION);
  return {
    trackerLag: {
      value: Math.round(MEASURED.trackerEventsPerSecond * DRAIN_SECONDS.trackerLag),
      reason: `${MEASURED.trackerEventsPerSecond} events/s applied per tracker replica (npm run bench -- scale) x ${DRAIN_SECONDS.trackerLag} s to work off its share of the lag`,
    },
    pricingQueue: {
      value: Math.round(MEASURED.pricingPerSecond * DRAIN_SECONDS.pricingQueue),
      reason: `${MEASURED.pricingPerSecond} cost analyses/s per mes-worker with ${PRICING_THREADS} pricing thread (npm run bench -- scale) x ${DRAIN_SECONDS.pricingQueue} s to work off its share of the queue`,
    },
    collectorRequests: {
      value: requests,
      reason: `${percent} % of ${MEASURED.collectorRequestsPerSecond} requests/s (batches of 100 events) per collector (npm run bench -- collector)`,
    },
    collectorCpuPercent: { value: percent, reason: `${percent} % of the CPU request, the same headroom as the request rate` },
  };
}

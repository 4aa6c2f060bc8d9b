// The services' leaf catalogues, not their index.ts: those load the services (pg, PGlite, express,
// kafkajs), which a generator has no use for (catalogue/catalogue-imports.test.ts keeps it so).
import { KAFKA_BUS_METRICS } from '../bus/metric-names';
import { COLLECTOR_METRICS } from '../collector/metric-names';
import { RECONCILE_METRICS, TRACKER_METRICS } from '../tracker/metric-names';

/**
 * The metric names that the generated rules and dashboards read: the generators' view of the
 * services' catalogues, by the short names the rules and panels use, with what each needs to know to
 * aggregate it. The names come from those catalogues, so a rename there reaches every rule and panel
 * with the next `orderscope generate`, and the catalogue test (`catalogue/catalogue-check.test.ts`)
 * fails, naming it, if a rule or panel reads anything else.
 */
export const METRICS = {
  stateDuration: TRACKER_METRICS.stateDuration.name,
  /** Stays rewritten by a late event: subtract from stateDuration for the stays as stored. */
  stateDurationRetracted: TRACKER_METRICS.stateDurationRetracted.name,
  leadTime: TRACKER_METRICS.leadTime.name,
  /** Lead times changed by a late event: subtract from leadTime. */
  leadTimeRetracted: TRACKER_METRICS.leadTimeRetracted.name,
  ordersInState: TRACKER_METRICS.ordersInState.name,
  oldestInState: TRACKER_METRICS.oldestInState.name,
  /** Gauge {state}: orders stuck in the state now (past expect_within). The same on every tracker replica. */
  ordersStuck: TRACKER_METRICS.ordersStuck.name,
  /** Counter {state, reason}: orders declared lost, by the state they were lost in. Counted by the replica that swept them. */
  ordersLost: TRACKER_METRICS.ordersLost.name,
  /** Counter {state, from_status}: stuck or lost orders that came back (a later event arrived). */
  ordersRecovered: TRACKER_METRICS.ordersRecovered.name,
  eventsApplied: TRACKER_METRICS.eventsApplied.name,
  duplicateEvents: TRACKER_METRICS.duplicateEvents.name,
  conformanceViolations: TRACKER_METRICS.conformanceViolations.name,
  applyLag: TRACKER_METRICS.applyLag.name,
  batchApplyDuration: TRACKER_METRICS.batchApplyDuration.name,
  sweepDuration: TRACKER_METRICS.sweepDuration.name,
  detectionDelay: TRACKER_METRICS.detectionDelay.name,
  trackerFailures: TRACKER_METRICS.failures.name,
  trackerDropped: TRACKER_METRICS.dropped.name,
  /** Counter {reason}: events the tracker set aside in its dead_letters table, counted by the replica that set them aside. Exported at 0 for every reason from the start. */
  deadLetters: TRACKER_METRICS.deadLetters.name,
  redrives: TRACKER_METRICS.redrives.name,
  /** Gauge {reason}: dead letters waiting for an operator (neither retried nor dropped). Read from the store: the same on every tracker replica, so `max`, not `sum`. */
  deadLettersParked: TRACKER_METRICS.deadLettersParked.name,
  /** Gauge {partition}: event time of the newest collector heartbeat a tracker process applied on the partition. Each replica exports the partitions it applied: `max by (partition)`. */
  heartbeatLastApplied: TRACKER_METRICS.heartbeatLastApplied.name,
  /** Gauge {kind}: orders the last reconciliation found missing, orphan, diverged or duplicated. Every replica reconciles the same data: `max`. */
  reconcileOrders: RECONCILE_METRICS.orders.name,
  /** Counter {result}: reconciliation runs, ok or failed. */
  reconcileRuns: RECONCILE_METRICS.runs.name,

  collectorRequests: COLLECTOR_METRICS.httpRequests.name,
  collectorRequestDuration: COLLECTOR_METRICS.httpRequestDuration.name,
  eventsAccepted: COLLECTOR_METRICS.eventsAccepted.name,
  eventsRejected: COLLECTOR_METRICS.eventsRejected.name,
  publishDuration: COLLECTOR_METRICS.publishDuration.name,
  collectorBusErrors: COLLECTOR_METRICS.busErrors.name,
  collectorHeartbeats: COLLECTOR_METRICS.heartbeats.name,

  busDropped: KAFKA_BUS_METRICS.dropped.name,
  busHandlerFailures: KAFKA_BUS_METRICS.handlerFailures.name,
  busProducerResets: KAFKA_BUS_METRICS.producerResets.name,
  /**
   * Gauge {topic, partition}: messages of the order-event topic not yet committed by the tracker's group, read
   * from the broker for every partition by each replica's lag monitor; the same on every replica: max by (topic, partition).
   */
  consumerLag: KAFKA_BUS_METRICS.consumerLag.name,
  /** Gauge {topic, partition}: seconds since the committed offset last moved while the partition had lag; max over replicas. */
  partitionLagSeconds: KAFKA_BUS_METRICS.partitionLagSeconds.name,
  partitionCommitted: KAFKA_BUS_METRICS.partitionCommitted.name,
  /** Gauge {topic, partition, status}: 1 for the partition's status (ok, stalled, lagging, rewound, unowned); max over replicas. */
  partitionStatus: KAFKA_BUS_METRICS.partitionStatus.name,
  lagMonitorFailures: KAFKA_BUS_METRICS.lagMonitorFailures.name,
} as const;

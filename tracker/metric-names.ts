// The tracker's metric catalogue: names, types, help texts and label names, and nothing else. A leaf:
// it imports nothing, so that the dashboard and alert generators read the names without loading the
// tracker (pg, PGlite, express). tracker/metrics.ts and tracker/reconcile/metrics.ts register exactly
// these.

/** One metric of the catalogue: what the dashboard and alert generators read. */
export interface MetricSpec {
  readonly name: string;
  readonly type: 'counter' | 'gauge' | 'histogram';
  readonly help: string;
  readonly labelNames: readonly string[];
}

/**
 * The tracker's metric catalogue. Order ids are never labels; `state` values are the process model's
 * states only, `kind`, `reason` and `operation` are fixed lists.
 */
export const TRACKER_METRICS = {
  stateDuration: {
    name: 'orderscope_order_state_duration_seconds',
    type: 'histogram',
    help: 'Time orders spent in a state (event time), observed once per closed stay when it is stored; buckets include every SLA threshold of the process model.',
    labelNames: ['state'],
  },
  stateDurationRetracted: {
    name: 'orderscope_order_state_duration_retracted_seconds',
    type: 'histogram',
    help: 'Closed stays taken back from orderscope_order_state_duration_seconds because a late event rewrote them; that histogram minus this one is exactly the stored stays.',
    labelNames: ['state'],
  },
  leadTime: {
    name: 'orderscope_order_lead_time_seconds',
    type: 'histogram',
    help: 'Time from an order\'s first event to the terminal state it reached (state), observed once per finished order.',
    labelNames: ['state'],
  },
  leadTimeRetracted: {
    name: 'orderscope_order_lead_time_retracted_seconds',
    type: 'histogram',
    help: 'Lead times taken back from orderscope_order_lead_time_seconds because a late event changed the order\'s start or finish (or reopened it).',
    labelNames: ['state'],
  },
  ordersInState: {
    name: 'orderscope_orders_in_state',
    type: 'gauge',
    help: 'Orders whose current state is this open state (read from the store at scrape; the same on every tracker replica).',
    labelNames: ['state'],
  },
  oldestInState: {
    name: 'orderscope_orders_in_state_oldest_age_seconds',
    type: 'gauge',
    help: 'How long the order longest in this open state has been there, by wall clock at scrape; 0 when the state is empty.',
    labelNames: ['state'],
  },
  ordersStuck: {
    name: 'orderscope_orders_stuck',
    type: 'gauge',
    help: 'Orders in this open state longer than its SLA (expect_within), not lost yet (status stuck; read from the store at scrape, the same on every tracker replica).',
    labelNames: ['state'],
  },
  ordersLost: {
    name: 'orderscope_orders_lost_total',
    type: 'counter',
    help: 'Orders declared lost in this state, by reason: lost_after (no event within the state\'s lost_after) or handoff_missed (the next system did not pick the order up within the handoff\'s window). Counted by the replica whose sweeper declared them.',
    labelNames: ['state', 'reason'],
  },
  ordersRecovered: {
    name: 'orderscope_orders_recovered_total',
    type: 'counter',
    help: 'Stuck or lost orders (from_status) that a later event moved on out of this state; counted by the replica that applied the event.',
    labelNames: ['state', 'from_status'],
  },
  eventsApplied: {
    name: 'orderscope_tracker_events_applied_total',
    type: 'counter',
    help: 'Events stored and applied to their order for the first time.',
    labelNames: [],
  },
  duplicateEvents: {
    name: 'orderscope_tracker_duplicate_events_total',
    type: 'counter',
    help: 'Events received again (same event_id: redelivery or a producer retry) and ignored.',
    labelNames: [],
  },
  orderUpdates: {
    name: 'orderscope_tracker_order_updates_total',
    type: 'counter',
    help: 'Orders updated by a batch, by how: extended (its new events all came after its last one; only they were read) or rebuilt (a late event; all its events were read again).',
    labelNames: ['how'],
  },
  conformanceViolations: {
    name: 'orderscope_tracker_conformance_violations_total',
    type: 'counter',
    help: 'Events flagged as breaking the process model, by kind: unknown_state, disallowed_transition, after_terminal. The events are kept.',
    labelNames: ['kind'],
  },
  applyLag: {
    name: 'orderscope_tracker_apply_lag_seconds',
    type: 'histogram',
    help: 'Wall-clock time from an event\'s occurred_at to its apply by the tracker.',
    labelNames: [],
  },
  batchApplyDuration: {
    name: 'orderscope_tracker_batch_apply_duration_seconds',
    type: 'histogram',
    help: 'Time to apply one batch from the bus, in one transaction, retries included.',
    labelNames: [],
  },
  sweepDuration: {
    name: 'orderscope_tracker_sweep_duration_seconds',
    type: 'histogram',
    help: 'Time of one sweep of the lost-order detector over the orders due, all its batches (one transaction each).',
    labelNames: [],
  },
  detectionDelay: {
    name: 'orderscope_tracker_detection_delay_seconds',
    type: 'histogram',
    help: 'Wall-clock time from an order\'s deadline (state_since + expect_within, lost_after or a handoff window) to the sweep that flagged it; about the sweep interval, more while the tracker was down or behind.',
    labelNames: [],
  },
  failures: {
    name: 'orderscope_tracker_failures_total',
    type: 'counter',
    help: 'Failed operations, by operation: apply_batch (the batch is delivered again), read_occupancy (the state gauges and the parked dead letters keep their last values), read_histogram_totals (the duration histograms keep their last values), renew_instance_lease (tried again at the next interval), sweep (the lost-order sweep is tried again at the next interval), remove_gone_instances (tried again at the next interval).',
    labelNames: ['operation'],
  },
  dropped: {
    name: 'orderscope_tracker_dropped_total',
    type: 'counter',
    help: 'Observations the tracker did not make, by reason. unknown_state: a closed stay in a state the process model does not know; the stay is stored, but its state is not a bounded label.',
    labelNames: ['reason'],
  },
  deadLetters: {
    name: 'orderscope_dead_letters_total',
    type: 'counter',
    help: 'Events (and bus messages) that could not be applied for a reason another attempt cannot fix, set aside in the dead_letters table so that their neighbours are applied, by reason: not_json, invalid_event (the message is not an order event), data_exception (the database refused a value), constraint_violation, apply_failed (an error applying it). Counted each time one is set aside.',
    labelNames: ['reason'],
  },
  deadLettersParked: {
    name: 'orderscope_dead_letters_parked',
    type: 'gauge',
    help: 'Dead letters waiting for an operator (neither retried nor dropped), by reason; read from the store at scrape, the same on every tracker replica.',
    labelNames: ['reason'],
  },
  instanceLeaseLost: {
    name: 'orderscope_tracker_instance_lease_lost_total',
    type: 'counter',
    help: 'Times this process found its tracker instance (tracker.instance) taken over by another live process: two processes were given one name, or this one could not renew its lease in time. Until it holds the instance again it exports none of the duration histograms and applies no batch, and /readyz answers 503.',
    labelNames: [],
  },
  instancesRemoved: {
    name: 'orderscope_tracker_instances_removed_total',
    type: 'counter',
    help: 'Tracker instances (tracker.instance names) removed by this process with their duration-histogram totals, because their lease had expired more than tracker.instanceRetentionMs ago: a tracker restarted under another name (a new host name) never came back under this one.',
    labelNames: [],
  },
  redrives: {
    name: 'orderscope_redrives_total',
    type: 'counter',
    help: 'Redrives carried out (a person\'s through the API, or the automatic policy\'s), by the state the order was in and result: done (the owning system took it) or failed (it answered an error, or could not be reached). A retried request with the same idempotency key is not counted again.',
    labelNames: ['state', 'result'],
  },
  heartbeatLastApplied: {
    name: 'orderscope_tracker_heartbeat_last_applied_timestamp_seconds',
    type: 'gauge',
    help: 'Event time (occurred_at, the publishing collector\'s clock) of the newest collector heartbeat this tracker process applied, by partition of the topic ("in-process" in embedded mode); set once the batch carrying it was committed. time() minus it is how long nothing has gone all the way from a collector to the store on that partition. In memory: a restarted tracker exports a partition again from its first heartbeat.',
    labelNames: ['partition'],
  },
} as const satisfies Record<string, MetricSpec>;

/** Every metric name of the tracker, for the dashboard and alert generators. */
export const TRACKER_METRIC_NAMES: readonly string[] = Object.values(TRACKER_METRICS).map((m) => m.name);

/** Results of a reconciliation run, the `result` label of the runs counter (tracker/reconcile). */
export const RECONCILE_RESULTS = ['ok', 'failed'] as const;

/** The reconciliation job's metrics, registered in the tracker's registry: part of the tracker's catalogue. */
export const RECONCILE_METRICS = {
  orders: {
    name: 'orderscope_reconcile_orders',
    type: 'gauge',
    help: 'Orders the last successful reconciliation of the source systems with the tracker found, by kind: missing (a source has it, the tracker never saw it), orphan (the tracker has it, no source does), diverged (the states differ past the grace period), duplicated (one step reported by two sources). Kept until the next successful run; 0 before the first.',
    labelNames: ['kind'],
  },
  runs: {
    name: 'orderscope_reconcile_runs_total',
    type: 'counter',
    help: 'Reconciliation runs of this tracker (tracker.reconcileIntervalMs), by result: ok or failed (a source or the store could not be read; the next run is an interval later).',
    labelNames: ['result'],
  },
} as const satisfies Record<string, MetricSpec>;

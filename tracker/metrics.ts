import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { OrderEvent, ProcessModel } from '../events';
import type { ApplyOutcome, DurationHistogram } from './apply';
import { FLAGGED_STATUSES, LOST_REASONS, type SweepResult } from './detection';
import { DEAD_LETTER_REASONS, type BucketTotal, type DeadLetterReason, type StateOccupancy, type StatusChange } from './store';
import { LatestExemplars } from './exemplars';
import { StoredHistogram } from './stored-histogram';
import { VIOLATION_KINDS } from './timeline';

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

/** The metric a duration observation goes into: the histogram, or its *_retracted twin. */
export function durationMetricName(histogram: DurationHistogram, retracted: boolean): string {
  if (histogram === 'state_duration') return (retracted ? TRACKER_METRICS.stateDurationRetracted : TRACKER_METRICS.stateDuration).name;
  return (retracted ? TRACKER_METRICS.leadTimeRetracted : TRACKER_METRICS.leadTime).name;
}

const APPLY_LAG_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 21_600, 86_400];
const BATCH_DURATION_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const OPERATIONS = ['apply_batch', 'read_occupancy', 'read_histogram_totals', 'renew_instance_lease', 'sweep', 'remove_gone_instances'] as const;
const OCCUPANCY_MAX_AGE_MS = 1000;

export interface TrackerMetricsOptions {
  readonly registry: Registry;
  readonly model: ProcessModel;
  /** Reads the occupancy of the given states from the store (on scrape, at most once a second). */
  readonly readOccupancy: (states: readonly string[]) => Promise<StateOccupancy[]>;
  /** Reads the parked dead letters per reason (at scrape). */
  readonly readParkedDeadLetters?: () => Promise<Record<DeadLetterReason, number>>;
  /** Where a failed occupancy read is reported (it is also counted). */
  readonly onOccupancyError: (err: unknown) => void;
  /**
   * Reads this tracker instance's histogram totals from the store (histogram_totals), which the four
   * duration histograms export: on scrape, one read shared by the four.
   */
  readonly readTotals: () => Promise<readonly BucketTotal[]>;
  /** Whether this process exports the instance's duration histograms now: while it holds the instance's lease. */
  readonly exportsDurations: () => boolean;
  /** Where a failed totals read is reported (it is also counted; the histograms keep their last values). */
  readonly onTotalsError: (err: unknown) => void;
  readonly now?: () => number;
  /** The newest applied heartbeat per partition (tracker/heartbeat), read at scrape. */
  readonly readHeartbeats?: () => readonly { readonly partition: string; readonly occurredAtMs: number }[];
}

/**
 * The tracker's metrics in an explicit registry.
 *
 * The four duration histograms (time in state, lead time, and their *_retracted twins) are not
 * observed in memory: each scrape reads this instance's totals from the store, which the apply
 * transaction keeps (every closed stay and finished order added exactly once, taken back exactly once
 * if a late event rewrites it). So they equal the store after a restart, and after a commit whose
 * outcome the process never learnt (the connection dropped during COMMIT: the retry finds the events
 * stored and adds nothing, and the totals already have them). A scrape costs one read of the
 * instance's rows, one per series and bucket. While this process does not hold the instance's lease,
 * they export no series at all, so that one instance is never exported twice.
 */
export class TrackerMetrics {
  private readonly eventsApplied: Counter;
  private readonly duplicateEvents: Counter;
  private readonly orderUpdates: Counter<'how'>;
  private readonly violations: Counter<'kind'>;
  private readonly applyLag: Histogram;
  private readonly batchApplyDuration: Histogram;
  private readonly failures: Counter<'operation'>;
  private readonly dropped: Counter<'reason'>;
  private readonly deadLetters: Counter<'reason'>;
  private readonly redrives: Counter<'state' | 'result'>;
  private readonly leaseLost: Counter;
  private readonly instancesRemoved: Counter;
  private readonly lost: Counter<'state' | 'reason'>;
  private readonly recovered: Counter<'state' | 'from_status'>;
  private readonly sweepDuration: Histogram;
  private readonly detectionDelay: Histogram;
  private readonly buckets: number[];
  private readonly exemplars: LatestExemplars;
  private readonly now: () => number;
  private occupancy: { at: number; read: Promise<StateOccupancy[]> } | undefined;
  private totalsRead: Promise<readonly BucketTotal[]> | undefined;
  private lastTotals: readonly BucketTotal[] = [];

  constructor(private readonly options: TrackerMetricsOptions) {
    const { registry, model } = options;
    const spec = <K extends keyof typeof TRACKER_METRICS>(key: K) => ({
      name: TRACKER_METRICS[key].name,
      help: TRACKER_METRICS[key].help,
      labelNames: [...TRACKER_METRICS[key].labelNames],
      registers: [registry],
    });
    this.now = options.now ?? Date.now;
    this.buckets = model.durationBuckets();
    this.exemplars = new LatestExemplars(this.buckets);
    // Series exist from the start, at zero, so that rates and alerts do not see them appear late.
    const allStates = model.states.map((s) => s.name);
    const terminalStates = model.states.filter((s) => s.terminal).map((s) => s.name);
    for (const [key, states] of [
      ['stateDuration', allStates],
      ['stateDurationRetracted', allStates],
      ['leadTime', terminalStates],
      ['leadTimeRetracted', terminalStates],
    ] as const) {
      const { name, help } = TRACKER_METRICS[key];
      const totals = async () => (options.exportsDurations() ? (await this.readTotals()).filter((t) => t.metric === name) : undefined);
      // Exemplars on the time-in-state histogram only: a slow bucket leads to a trace of a slow stay.
      const exemplar = key === 'stateDuration' ? (state: string, bucket: number) => this.exemplars.of(state, bucket) : undefined;
      new StoredHistogram({ name, help, bounds: this.buckets, states, totals, ...(exemplar && { exemplar }) }, registry);
    }
    this.eventsApplied = new Counter(spec('eventsApplied'));
    this.duplicateEvents = new Counter(spec('duplicateEvents'));
    this.orderUpdates = new Counter({ ...spec('orderUpdates'), labelNames: ['how'] });
    this.violations = new Counter({ ...spec('conformanceViolations'), labelNames: ['kind'] });
    this.applyLag = new Histogram({ ...spec('applyLag'), buckets: APPLY_LAG_BUCKETS });
    this.batchApplyDuration = new Histogram({ ...spec('batchApplyDuration'), buckets: BATCH_DURATION_BUCKETS });
    this.failures = new Counter({ ...spec('failures'), labelNames: ['operation'] });
    this.dropped = new Counter({ ...spec('dropped'), labelNames: ['reason'] });
    this.deadLetters = new Counter({ ...spec('deadLetters'), labelNames: ['reason'] });
    this.redrives = new Counter({ ...spec('redrives'), labelNames: ['state', 'result'] });
    for (const state of model.openStates()) for (const result of ['done', 'failed']) this.redrives.inc({ state: state.name, result }, 0);
    const readParked = options.readParkedDeadLetters;
    const failures = () => this.failures;
    const onParkedError = (err: unknown) => options.onOccupancyError(err);
    new Gauge({
      ...spec('deadLettersParked'),
      labelNames: ['reason'],
      async collect() {
        if (!readParked) return;
        try {
          for (const [reason, letters] of Object.entries(await readParked())) this.set({ reason }, letters);
        } catch (err) {
          failures().inc({ operation: 'read_occupancy' });
          onParkedError(err);
        }
      },
    });
    const readHeartbeats = options.readHeartbeats;
    new Gauge({
      ...spec('heartbeatLastApplied'),
      collect() {
        for (const h of readHeartbeats?.() ?? []) this.set({ partition: h.partition }, h.occurredAtMs / 1000);
      },
    });
    this.leaseLost = new Counter(spec('instanceLeaseLost'));
    this.instancesRemoved = new Counter(spec('instancesRemoved'));
    this.lost = new Counter({ ...spec('ordersLost'), labelNames: ['state', 'reason'] });
    this.recovered = new Counter({ ...spec('ordersRecovered'), labelNames: ['state', 'from_status'] });
    // The sweep runs every second or so: buckets from a millisecond; the delay is about the interval.
    this.sweepDuration = new Histogram({ ...spec('sweepDuration'), buckets: BATCH_DURATION_BUCKETS });
    this.detectionDelay = new Histogram({ ...spec('detectionDelay'), buckets: APPLY_LAG_BUCKETS });

    const openStates = model.openStates().map((s) => s.name);
    const occupancy = () => this.readOccupancy(openStates);
    new Gauge({
      ...spec('ordersInState'),
      labelNames: ['state'],
      async collect() {
        for (const o of await occupancy()) this.set({ state: o.state }, o.orders);
      },
    });
    const now = this.now;
    new Gauge({
      ...spec('oldestInState'),
      labelNames: ['state'],
      async collect() {
        const at = now() * 1000;
        for (const o of await occupancy()) this.set({ state: o.state }, o.oldestSince === null ? 0 : Math.max(0, (at - o.oldestSince) / 1e6));
      },
    });
    new Gauge({
      ...spec('ordersStuck'),
      labelNames: ['state'],
      async collect() {
        for (const o of await occupancy()) this.set({ state: o.state }, o.stuck);
      },
    });

    for (const kind of VIOLATION_KINDS) this.violations.inc({ kind }, 0);
    for (const operation of OPERATIONS) this.failures.inc({ operation }, 0);
    this.dropped.inc({ reason: 'unknown_state' }, 0);
    for (const reason of DEAD_LETTER_REASONS) this.deadLetters.inc({ reason }, 0);
    // increase() cannot see a counter's first step: the first lost order would never page.
    for (const state of openStates) {
      for (const reason of LOST_REASONS) this.lost.inc({ state, reason }, 0);
      for (const from_status of FLAGGED_STATUSES) this.recovered.inc({ state, from_status }, 0);
    }
  }

  /**
   * Counts a committed batch. Its histogram changes are not observed here: they are in the store's
   * totals, which the duration histograms export.
   */
  recordBatch(outcome: ApplyOutcome, seconds: number, events: readonly OrderEvent[] = []): void {
    this.exemplars.record(outcome.histogramChanges, events, this.now());
    this.batchApplyDuration.observe(seconds);
    this.eventsApplied.inc(outcome.applied);
    this.duplicateEvents.inc(outcome.duplicates);
    this.orderUpdates.inc({ how: 'extended' }, outcome.ordersExtended);
    this.orderUpdates.inc({ how: 'rebuilt' }, outcome.ordersRebuilt);
    for (const kind of outcome.raisedViolations) this.violations.inc({ kind });
    if (outcome.unobservableStays > 0) this.dropped.inc({ reason: 'unknown_state' }, outcome.unobservableStays);
    const nowMs = this.now();
    // Producers may be up to a few minutes ahead of us (the collector allows some skew): no negative lag.
    for (const at of outcome.appliedOccurredAtMs) this.applyLag.observe(Math.max(0, (nowMs - at) / 1000));
    this.recordStatusChanges(outcome.statusChanges);
  }

  /** Counts events and messages set aside as dead letters. */
  recordDeadLetters(reasons: readonly DeadLetterReason[]): void {
    for (const reason of reasons) this.deadLetters.inc({ reason });
  }

  /** Counts a redrive carried out, by the order's state and its result. */
  recordRedrive(state: string, result: 'done' | 'failed'): void {
    this.redrives.inc({ state, result });
  }

  /** Counts a batch that could not be applied (it will be delivered again). */
  recordApplyFailure(): void {
    this.failures.inc({ operation: 'apply_batch' });
  }

  /** Counts a committed sweep of the lost-order detector and the changes it made. */
  recordSweep(result: SweepResult): void {
    this.sweepDuration.observe(result.seconds);
    this.recordStatusChanges(result.changes);
  }

  /** Counts this process finding its instance taken over by another one. */
  recordLeaseLost(): void {
    this.leaseLost.inc();
  }

  /** Counts the instances this process removed (gone for longer than the retention). */
  recordInstancesRemoved(count: number): void {
    this.instancesRemoved.inc(count);
  }

  /** Counts a failed removal of gone instances (the next one is an interval later). */
  recordInstanceCleanupFailure(): void {
    this.failures.inc({ operation: 'remove_gone_instances' });
  }

  /** Counts a failed renewal of the instance lease (the next one is an interval later). */
  recordLeaseRenewalFailure(): void {
    this.failures.inc({ operation: 'renew_instance_lease' });
  }

  /** Counts a sweep that failed (the next one takes the same orders). */
  recordSweepFailure(): void {
    this.failures.inc({ operation: 'sweep' });
  }

  /** Losses and recoveries (stuck orders are a gauge, read from the store), and how late each flag came. */
  private recordStatusChanges(changes: readonly StatusChange[]): void {
    for (const c of changes) {
      // History judged in event time is recorded (status_changes, backfill) but not counted: these
      // counters page, and last year's losses are not today's incidents.
      if (c.backfill) continue;
      if (c.deadlineAt !== null) this.detectionDelay.observe(Math.max(0, (c.at - c.deadlineAt) / 1e6));
      if (c.toStatus === 'lost') this.lost.inc({ state: c.state, reason: c.reason });
      if (c.reason === 'moved_on') this.recovered.inc({ state: c.state, from_status: c.fromStatus });
    }
  }

  /**
   * This instance's totals for one scrape: concurrent callers (the four histograms of a scrape) share
   * one read; a later scrape reads again, so nothing is older than the scrape that asked. When the read
   * fails, the last totals read (counts never go down, so they are still a valid histogram).
   */
  private readTotals(): Promise<readonly BucketTotal[]> {
    return (this.totalsRead ??= this.options
      .readTotals()
      .then(
        (totals) => (this.lastTotals = totals),
        (err: unknown) => {
          this.failures.inc({ operation: 'read_histogram_totals' });
          this.options.onTotalsError(err);
          return this.lastTotals;
        },
      )
      .finally(() => {
        this.totalsRead = undefined;
      }));
  }

  /** Shares one store read between the gauges of one scrape (and scrapes less than a second apart). */
  private readOccupancy(states: readonly string[]): Promise<StateOccupancy[]> {
    const at = this.now();
    if (this.occupancy && at - this.occupancy.at < OCCUPANCY_MAX_AGE_MS) return this.occupancy.read;
    const read = this.options.readOccupancy(states).catch((err: unknown) => {
      this.failures.inc({ operation: 'read_occupancy' });
      this.options.onOccupancyError(err);
      this.occupancy = undefined;
      return [];
    });
    this.occupancy = { at, read };
    return read;
  }
}

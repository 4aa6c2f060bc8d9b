import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { OrderEvent, ProcessModel } from '../events';
import type { ApplyOutcome } from './apply';
import { FLAGGED_STATUSES, LOST_REASONS, type SweepResult } from './detection';
import { DurationHistograms, type BucketTotal } from './histograms';
import { TRACKER_METRICS } from './metric-names';
import { DEAD_LETTER_REASONS, type DeadLetterReason, type StateOccupancy, type StatusChange } from './store';
import { VIOLATION_KINDS } from './timeline';

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
 * The tracker's metrics in an explicit registry. The four duration histograms are the store's totals
 * of this instance, read at scrape (tracker/histograms).
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
  private readonly durations: DurationHistograms;
  private readonly now: () => number;
  private occupancy: { at: number; read: Promise<StateOccupancy[]> } | undefined;

  constructor(private readonly options: TrackerMetricsOptions) {
    const { registry, model } = options;
    const spec = <K extends keyof typeof TRACKER_METRICS>(key: K) => ({
      name: TRACKER_METRICS[key].name,
      help: TRACKER_METRICS[key].help,
      labelNames: [...TRACKER_METRICS[key].labelNames],
      registers: [registry],
    });
    this.now = options.now ?? Date.now;
    this.durations = new DurationHistograms({
      registry,
      model,
      readTotals: options.readTotals,
      exportsDurations: options.exportsDurations,
      onTotalsError: (err) => {
        this.failures.inc({ operation: 'read_histogram_totals' });
        options.onTotalsError(err);
      },
    });
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
    this.durations.recordCommitted(outcome.histogramChanges, events, this.now());
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

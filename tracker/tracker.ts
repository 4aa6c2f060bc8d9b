import type { Express } from 'express';
import { Registry } from 'prom-client';
import { retry, silentLogger, type Config, type Logger, INSTANCE_NAME, ConfigError, UnavailableError, describeError } from '../common';
import { describeOrigin, IN_PROCESS_ORIGIN, type DeliveryContext, type EventOrigin, type EventSource, type PartitionReading } from '../bus';
import { splitHeartbeats, type OrderEvent, type ProcessModel } from '../events';
import { applyBatch, eventLetter, isolatePoison, readLetter, unreadableLetter, type ApplyOutcome } from './apply';
import { createSweeper, logStatusChange, type SweepResult } from './detection';
import { histogramTotals } from './histograms';
import { createTrackerApp } from './http';
import { createAutoRedrive } from './redrive/auto-redrive';
import { createRedriver } from './redrive/redriver';
import { LatestHeartbeats, type PartitionHeartbeat } from './heartbeat/latest-heartbeats';
import { createInstanceCleanup, createInstanceLease, describeHolder, type InstanceLease } from './lease';
import { TrackerMetrics } from './metrics';
import { createReconcileJob, ReconcileMetrics } from './reconcile';
import {
  getDeadLetter,
  insertDeadLetters,
  migrate,
  parkedDeadLetters,
  poisonReason,
  resolveDeadLetter,
  stateOccupancy,
  type Db,
  type DeadLetterRow,
  type NewDeadLetter,
} from './store';
import { traceBackend } from './traces';

export interface TrackerOptions {
  readonly config: Config;
  readonly model: ProcessModel;
  /** Where the events come from. The caller owns it: the tracker subscribes but never closes it. */
  readonly source: EventSource;
  /** PostgreSQL or PGlite. The caller owns it and closes it after the tracker. */
  readonly store: Db;
  /**
   * Where latency reports read: a connection to a read replica (postgres.readUrl), owned and closed by
   * the caller like the store; reports read the store when omitted.
   */
  readonly reportStore?: Db;
  readonly logger?: Logger;
  /** Where the tracker registers its metrics (see TRACKER_METRICS); a new registry when omitted. */
  readonly registry?: Registry;
  /**
   * Names this tracker instance in the store: its duration histograms are the totals kept under this
   * name, so they continue across restarts, and only the one live process holding the name's lease
   * exports them and adds to them (start waits while another holds it). Default:
   * `config.tracker.instance`. Give each replica a stable, distinct name.
   */
  readonly instance?: string;
  /** The partitions of the topic as the broker last showed them (the lag monitor's), for the home page. */
  readonly partitions?: () => readonly PartitionReading[];
  /** The clock, in ms. */
  readonly now?: () => number;
  /**
   * The lost-order sweeper starts once this resolves (and the tracker started), not at start: for a
   * source that first delivers what happened while everything was down (embedded mode's demo
   * resuming its orders), so that no order is judged before its late events are applied.
   */
  readonly sweepAfter?: Promise<unknown>;
}

/** The tracker: bus consumer, state store, lost-order detector, metrics and API. */
export interface Tracker {
  /** The HTTP API: listen on it (`listen(tracker.app, host, port)`) or mount it. */
  readonly app: Express;
  readonly registry: Registry;
  /**
   * Brings the schema up to date, takes the instance's lease (waiting up to
   * `tracker.instanceLeaseWaitMs` while another live process holds it), subscribes to the bus and
   * starts the lost-order sweeper (or has it start after `sweepAfter`). Once.
   */
  start(): Promise<void>;
  /**
   * Applies one batch: what the bus subscription calls. Events that can never be applied (and the
   * context's unreadable messages) are set aside as dead letters, so that the others are applied;
   * resolves once all of it is committed. Rejects (and the bus delivers the batch again) only for a
   * reason another attempt may fix, such as the database being down.
   */
  apply(batch: readonly OrderEvent[], context?: DeliveryContext): Promise<void>;
  /**
   * Applies a parked dead letter again, under today's contract and model (after a fix), on behalf of
   * `by` (an API token's name, recorded). A letter that fails again stays parked with one more attempt.
   */
  retryDeadLetter(id: number, by: string): Promise<DeadLetterResolution>;
  /** Discards a parked dead letter on purpose, on behalf of `by` (recorded). */
  dropDeadLetter(id: number, by: string): Promise<DeadLetterResolution>;
  /**
   * Runs the lost-order sweeper once, now: every order whose deadline has passed becomes stuck or
   * lost. It also runs by itself every `tracker.sweepIntervalMs` once started.
   */
  sweep(): Promise<SweepResult>;
  /** Runs one round of the automatic redrive policy now; resolves to how many orders it redrove. */
  autoRedrive(): Promise<number>;
  /**
   * Removes now the instances nobody has held for longer than `tracker.instanceRetentionMs`, with their
   * histogram totals; resolves to their names. It also runs by itself hourly once started.
   */
  removeGoneInstances(): Promise<readonly string[]>;
  /**
   * The newest collector heartbeat applied per partition, by this process since it started
   * (collector heartbeats never become orders; they are kept only here).
   */
  heartbeats(): PartitionHeartbeat[];
  /**
   * Stops taking batches (later ones are refused, so the bus keeps them) and the sweeper, and waits
   * for the batch being applied and the sweep in progress. Does not close the bus or the store, which
   * belong to the caller: close the bus first, so that it stops delivering, then the tracker, then the
   * store. Safe to call twice.
   */
  close(): Promise<void>;
}

/** What became of a retried or dropped dead letter. */
export type DeadLetterResolution =
  | { readonly result: 'retried' | 'dropped'; readonly letter: DeadLetterRow }
  /** The retry failed again: the letter stays parked, with this error and one more attempt. */
  | { readonly result: 'failed'; readonly letter: DeadLetterRow; readonly error: string }
  /** Retried or dropped already (by someone else, maybe): nothing was done. */
  | { readonly result: 'not_parked'; readonly letter: DeadLetterRow }
  | { readonly result: 'not_found' };

/** How often a batch is retried in place on a transient database failure before the bus gets it back. */
const APPLY_RETRIES = 3;
/** How long start waits for the database to come up before giving up. */
const START_DEADLINE_MS = 30_000;

/**
 * Builds a tracker over a bus and a store. Embedded mode (`orderscope up`) and `orderscope tracker`
 * both do: `createTracker(...)`, `start()`, serve `app`, and on the way out close the bus, then
 * `close()`, then the store.
 */
export async function createTracker(options: TrackerOptions): Promise<Tracker> {
  const { config, model, store } = options;
  const logger = options.logger ?? silentLogger();
  const registry = options.registry ?? new Registry();
  const instance = options.instance ?? config.tracker.instance;
  if (!INSTANCE_NAME.test(instance)) throw new ConfigError(`tracker instance "${instance}": must be 1-128 letters, digits, ".", "_" or "-" (tracker.instance)`);
  const ctx: TrackerContext = { options, logger, instance, now: options.now ?? Date.now };

  // The instance lease (tracker/lease): only its holder exports the duration histograms (read from
  // the store at scrape) and adds to their totals (the guard is the first statement of each apply).
  // The metrics below read the lease, so they are made after it, and its events count in them later.
  const lease = createTrackerLease(ctx, () => metrics);
  const heartbeats = new LatestHeartbeats();
  const metrics = new TrackerMetrics({
    readHeartbeats: () => heartbeats.snapshot(),
    registry,
    model,
    readOccupancy: (states) => stateOccupancy(store, states),
    readParkedDeadLetters: () => parkedDeadLetters(store),
    onOccupancyError: (err) => logger.warn({ err }, 'could not read the orders per state for the gauges; they keep their last values'),
    readTotals: () => histogramTotals(store, instance),
    exportsDurations: () => lease.held,
    onTotalsError: (err) => logger.warn({ err }, 'could not read the histogram totals; the duration histograms keep their last values'),
    ...(options.now && { now: options.now }),
  });
  const jobs = createBackgroundJobs(ctx, metrics, registry);
  const life: Lifecycle = { started: undefined, running: false, closing: undefined, inFlight: new Set(), abortStart: new AbortController() };
  const intake: Intake = { ctx, leasedStore: lease.guard(store), metrics, heartbeats, life };
  const apply = (batch: readonly OrderEvent[], context?: DeliveryContext) => tracked(life, () => applyDelivery(intake, batch, context));
  const retryDeadLetter = (id: number, by: string) => tracked(life, () => retryLetter(intake, id, by));
  const dropDeadLetter = (id: number, by: string) => dropLetter(intake, id, by);
  const app = createTrackerApp({
    db: store,
    ...(options.reportStore && { reportDb: options.reportStore }),
    model,
    tokens: config.tokens,
    traces: traceBackend(config.tracker.traceBackend, config.tracker.traceBackendUrl),
    registry,
    logger,
    readiness: () => ({ started: life.running && !life.closing, bus: options.source.isReady(), instance: lease.held }),
    deadLetters: { retry: retryDeadLetter, drop: dropDeadLetter },
    redriver: jobs.redriver,
    ...(options.partitions && { partitions: options.partitions }),
    heartbeats: { read: () => heartbeats.snapshot(), intervalMs: config.collector.heartbeatIntervalMs },
    ...(options.now && { now: options.now }),
  });

  return {
    app,
    registry,
    start: () => (life.started ??= startTracker(ctx, lease, jobs, life, apply)),
    apply,
    heartbeats: () => heartbeats.snapshot(),
    retryDeadLetter,
    dropDeadLetter,
    sweep: () => jobs.sweeper.sweep(),
    autoRedrive: () => jobs.autoRedrive.runOnce(),
    removeGoneInstances: () => jobs.instanceCleanup.runNow(),
    close: () => (life.closing ??= closeTracker(ctx, lease, jobs, life)),
  };
}

/** What the parts of one tracker share: its options and what was resolved from them. */
interface TrackerContext {
  readonly options: TrackerOptions;
  readonly logger: Logger;
  readonly instance: string;
  /** The clock, in ms: the option's, else the wall clock. */
  readonly now: () => number;
}

/** The clock to hand to the parts, when the options have one (each part has its own default). */
function injectedClock(options: TrackerOptions): { now?: () => number } {
  return options.now ? { now: options.now } : {};
}

/** The tracker's state between start() and close(). */
interface Lifecycle {
  started: Promise<void> | undefined;
  running: boolean;
  closing: Promise<void> | undefined;
  /** The batches and dead-letter retries being applied: close() waits for them. */
  readonly inFlight: Set<Promise<unknown>>;
  /** Fired by close(), so that a start waiting for the lease gives up. */
  readonly abortStart: AbortController;
}

/** Runs `work` unless the tracker is closing, and lets close() wait for it. */
async function tracked<T>(life: Lifecycle, work: () => Promise<T>): Promise<T> {
  if (life.closing) throw new UnavailableError('the tracker is shutting down; the batch stays on the bus and will be delivered again');
  const running = work();
  life.inFlight.add(running);
  try {
    return await running;
  } finally {
    life.inFlight.delete(running);
  }
}

/** The lease on the tracker's instance name; what becomes of it is logged and counted. */
function createTrackerLease(ctx: TrackerContext, metrics: () => TrackerMetrics): InstanceLease {
  const { options, logger, instance } = ctx;
  const { config } = options;
  return createInstanceLease({
    db: options.store,
    instance,
    ttlMs: config.tracker.instanceLeaseTtlMs,
    renewMs: config.tracker.instanceLeaseRenewMs,
    waitMs: config.tracker.instanceLeaseWaitMs,
    ...injectedClock(options),
    onWait: (by) => logger.warn({ instance, holder: by }, `waiting for tracker instance "${instance}": another live process holds it (${describeHolder(by)}); a process that was killed lets it expire by then`),
    onLost: (by) => {
      metrics().recordLeaseLost();
      logger.error({ instance, holder: by }, `tracker instance "${instance}" was taken over by another process${by ? ` (${describeHolder(by)})` : ''}: no longer exporting its histograms or applying batches; give each process its own tracker.instance (ORDERSCOPE_TRACKER_INSTANCE)`);
    },
    onRegained: () => logger.warn({ instance }, `holding tracker instance "${instance}" again: exporting its histograms and applying batches`),
    onError: (err) => {
      metrics().recordLeaseRenewalFailure();
      logger.warn({ err, instance }, 'could not renew the tracker instance lease; trying again at the next interval');
    },
  });
}

/** What runs by itself once the tracker started, and the redriver the API and the policy share. */
function createBackgroundJobs(ctx: TrackerContext, metrics: TrackerMetrics, registry: Registry) {
  const { options, logger } = ctx;
  const { config, model, store } = options;
  const redriver = createRedriver({
    db: store,
    model,
    rate: { eventsPerSecond: config.tracker.redriveRatePerSecond, burst: config.tracker.redriveBurst },
    onRedrive: (state, result) => metrics.recordRedrive(state, result),
    ...injectedClock(options),
  });
  return {
    redriver,
    instanceCleanup: createTrackerInstanceCleanup(ctx, metrics),
    autoRedrive: createAutoRedrive({ db: store, model, redriver, intervalMs: config.tracker.autoRedriveIntervalMs, logger, ...injectedClock(options) }),
    // Off unless tracker.reconcileIntervalMs > 0; its metrics are exported either way (at zero).
    reconcileJob: createReconcileJob({ config, store: options.reportStore ?? store, metrics: new ReconcileMetrics(registry), logger, ...injectedClock(options) }),
    sweeper: createTrackerSweeper(ctx, metrics),
  };
}

type BackgroundJobs = ReturnType<typeof createBackgroundJobs>;

/** Removes the instances gone for good, with their histogram totals; logged and counted. */
function createTrackerInstanceCleanup(ctx: TrackerContext, metrics: TrackerMetrics) {
  const { options, logger, instance } = ctx;
  const retentionMs = options.config.tracker.instanceRetentionMs;
  return createInstanceCleanup({
    db: options.store,
    instance,
    retentionMs,
    ...injectedClock(options),
    onRemoved: (removed) => {
      metrics.recordInstancesRemoved(removed.length);
      logger.info({ instances: removed, retention_ms: retentionMs }, 'removed tracker instances nobody has held for longer than the retention, with their histogram totals');
    },
    onError: (err) => {
      metrics.recordInstanceCleanupFailure();
      logger.warn({ err }, 'could not remove the tracker instances gone for good; trying again at the next interval');
    },
  });
}

/** The lost-order sweeper; each status change it makes is logged, each sweep counted. */
function createTrackerSweeper(ctx: TrackerContext, metrics: TrackerMetrics) {
  const { options, logger } = ctx;
  const { model } = options;
  return createSweeper({
    db: options.store,
    model,
    intervalMs: options.config.tracker.sweepIntervalMs,
    ...injectedClock(options),
    onSweep: (result) => {
      metrics.recordSweep(result);
      for (const change of result.changes) logStatusChange(logger, change, model);
      if (result.due > 0) logger.debug({ due: result.due, changed: result.changes.length, batches: result.batches, seconds: result.seconds }, 'swept the orders due');
    },
    onError: (err) => {
      metrics.recordSweepFailure();
      logger.error({ err }, 'the lost-order sweep failed; the next one, an interval later, takes the same due orders');
    },
  });
}

/** What applying batches and dead letters needs. */
interface Intake {
  readonly ctx: TrackerContext;
  /** The store whose transactions first check that this process holds the instance's lease. */
  readonly leasedStore: Db;
  readonly metrics: TrackerMetrics;
  readonly heartbeats: LatestHeartbeats;
  readonly life: Lifecycle;
}

/** One transaction over `events`, retried in place on transient failures; counted once committed. */
async function applyOnce(intake: Intake, events: readonly OrderEvent[]): Promise<ApplyOutcome> {
  const { options, logger, instance } = intake.ctx;
  const begin = process.hrtime.bigint();
  const outcome = await retry(() => applyBatch(intake.leasedStore, options.model, events, instance, options.now), {
    retries: APPLY_RETRIES,
    onRetry: (err, attempt) => logger.warn({ err, attempt, events: events.length }, 'applying a batch failed for a transient reason; retrying'),
  });
  intake.metrics.recordBatch(outcome, Number(process.hrtime.bigint() - begin) / 1e9, events);
  for (const change of outcome.statusChanges) logStatusChange(logger, change, options.model);
  logger.debug({ events: outcome.received, applied: outcome.applied, duplicates: outcome.duplicates, extended: outcome.ordersExtended, rebuilt: outcome.ordersRebuilt }, 'applied a batch');
  return outcome;
}

/**
 * Applies what it can of `items` and returns the letters of the events that can never be applied
 * (isolatePoison). Throws only a failure that is not the events' own.
 */
async function applyIsolating(intake: Intake, items: readonly { event: OrderEvent; origin: EventOrigin }[]): Promise<NewDeadLetter[]> {
  const { poisoned } = await isolatePoison(items, (part) => applyOnce(intake, part.map((i) => i.event)), poisonReason);
  return poisoned.map(({ item, reason, error }) => eventLetter(item.event, item.origin, reason, error));
}

/** Keeps letters in dead_letters (retrying transient failures in place), then counts and logs them. */
async function setAside(intake: Intake, letters: readonly NewDeadLetter[]): Promise<void> {
  if (letters.length === 0) return;
  const { options, logger, now } = intake.ctx;
  await retry(() => insertDeadLetters(options.store, letters, now() * 1000), { retries: APPLY_RETRIES });
  intake.metrics.recordDeadLetters(letters.map((l) => l.reason));
  for (const l of letters) {
    logger.error(
      { order_id: l.orderId ?? undefined, event_id: l.eventId ?? undefined, reason: l.reason, origin: describeOrigin(l.origin as EventOrigin), error: l.error },
      'set an event aside as a dead letter: it cannot be applied; the events beside it were (orderscope dead-letters list)',
    );
  }
}

/** One delivery from the bus: its orders' events applied, what cannot be set aside, its heartbeats recorded. */
async function applyDelivery(intake: Intake, batch: readonly OrderEvent[], context?: DeliveryContext): Promise<void> {
  if (batch.length === 0 && !context?.unreadable.length) return;
  try {
    // Heartbeats are about the pipeline, not orders: they never reach the store's order tables.
    const { orders, heartbeats: beats } = splitHeartbeats(
      batch.map((event, i) => ({ event, origin: context?.origins[i] ?? IN_PROCESS_ORIGIN })),
      (item) => item.event,
    );
    const letters = orders.length > 0 ? await applyIsolating(intake, orders) : [];
    // A batch of heartbeats only still commits one (empty, lease-guarded) transaction: a tracker
    // whose database refuses commits, or that lost its instance, must not look alive.
    if (orders.length === 0 && beats.length > 0) await retry(() => intake.leasedStore.transaction(async () => undefined), { retries: APPLY_RETRIES });
    await setAside(intake, [...(context?.unreadable ?? []).map(unreadableLetter), ...letters]);
    // Only now that everything before them in the batch is committed: a heartbeat says "all of it went through".
    intake.heartbeats.record(beats);
  } catch (err) {
    intake.metrics.recordApplyFailure();
    intake.ctx.logger.error({ err, events: batch.length }, 'could not apply a batch for a transient reason; the bus will deliver it again');
    throw err;
  }
}

async function retryLetter(intake: Intake, id: number, by: string): Promise<DeadLetterResolution> {
  const { options, logger, now } = intake.ctx;
  const letter = await getDeadLetter(options.store, id);
  if (!letter) return { result: 'not_found' };
  if (letter.status !== 'parked') return { result: 'not_parked', letter };
  const read = readLetter(letter.raw, new Date(now()));
  const origin = letter.origin as EventOrigin;
  const failed = read.ok
    ? await applyIsolating(intake, [{ event: read.event, origin }])
    : [{ key: letter.key, raw: letter.raw, eventId: letter.eventId, orderId: letter.orderId, reason: read.reason, error: read.error, origin }];
  if (failed.length > 0) {
    await setAside(intake, failed);
    return { result: 'failed', letter: (await getDeadLetter(options.store, id)) ?? letter, error: failed[0]!.error };
  }
  await resolveDeadLetter(options.store, id, 'retried', by, now() * 1000);
  logger.info({ dead_letter: id, order_id: letter.orderId ?? undefined, by }, 'a dead letter was retried and applied');
  return { result: 'retried', letter: (await getDeadLetter(options.store, id)) ?? letter };
}

async function dropLetter(intake: Intake, id: number, by: string): Promise<DeadLetterResolution> {
  const { options, logger, now } = intake.ctx;
  const letter = await getDeadLetter(options.store, id);
  if (!letter) return { result: 'not_found' };
  if (!(await resolveDeadLetter(options.store, id, 'dropped', by, now() * 1000))) return { result: 'not_parked', letter };
  logger.warn({ dead_letter: id, order_id: letter.orderId ?? undefined, by }, 'a dead letter was dropped');
  return { result: 'dropped', letter: (await getDeadLetter(options.store, id)) ?? letter };
}

/** Schema, lease, subscription, then the jobs that run by themselves. */
async function startTracker(ctx: TrackerContext, lease: InstanceLease, jobs: BackgroundJobs, life: Lifecycle, apply: Tracker['apply']): Promise<void> {
  const { options, logger, instance } = ctx;
  await migrateWhenReachable(ctx);
  await lease.acquire(life.abortStart.signal);
  await options.source.subscribe((batch, context) => apply(batch, context));
  startSweeper(ctx, jobs.sweeper);
  jobs.autoRedrive.start();
  jobs.reconcileJob.start();
  jobs.instanceCleanup.start();
  life.running = true;
  logger.info({ store: options.store.description, instance, model: options.model.name }, 'tracker started');
}

/** Brings the schema up to date, waiting up to START_DEADLINE_MS for the database to come up. */
async function migrateWhenReachable(ctx: TrackerContext): Promise<void> {
  const { options, logger } = ctx;
  const { store } = options;
  const result = await retry(() => migrate(store), {
    deadlineMs: START_DEADLINE_MS,
    retries: 20,
    // The reason, not the error: its stack says nothing about a database that is down.
    onRetry: (err) => logger.warn({ reason: describeError(err) }, `waiting for the database (${store.description})`),
  });
  for (const name of result.applied) logger.info({ migration: name }, 'applied a schema migration');
  if (result.unknownVersions.length) {
    logger.warn({ versions: result.unknownVersions }, 'the database has schema migrations this tracker does not know (a newer tracker ran on it)');
  }
}

/**
 * Starts the sweeper after the subscription: what fell due while the tracker was down is flagged now,
 * from the deadlines in the store (or once the caller's backlog is in: sweepAfter).
 */
function startSweeper(ctx: TrackerContext, sweeper: BackgroundJobs['sweeper']): void {
  const { sweepAfter } = ctx.options;
  if (!sweepAfter) {
    sweeper.start();
    return;
  }
  void sweepAfter.then(
    () => sweeper.start(),
    (err: unknown) => {
      ctx.logger.warn({ reason: describeError(err) }, 'what the sweeper waited for failed; sweeping now');
      sweeper.start();
    },
  );
}

/** Stops a start in progress, waits for the work in hand and the jobs, and gives the lease up. */
async function closeTracker(ctx: TrackerContext, lease: InstanceLease, jobs: BackgroundJobs, life: Lifecycle): Promise<void> {
  life.abortStart.abort(new UnavailableError('the tracker is shutting down'));
  await life.started?.catch(() => undefined);
  await Promise.allSettled([...life.inFlight, jobs.sweeper.close(), jobs.autoRedrive.close(), jobs.reconcileJob.close(), jobs.instanceCleanup.close()]);
  life.running = false;
  await lease.release().catch((err: unknown) => ctx.logger.warn({ err, instance: ctx.instance }, 'could not give the tracker instance lease up; it expires by itself'));
}

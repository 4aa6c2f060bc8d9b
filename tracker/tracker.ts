import type { Express } from 'express';
import { Registry } from 'prom-client';
import { retry, silentLogger, type Config, type Logger } from '../common';
import { INSTANCE_NAME } from '../common/config';
import { ConfigError, UnavailableError, describeError } from '../common/errors';
import { describeOrigin, IN_PROCESS_ORIGIN, type DeliveryContext, type EventOrigin, type EventSource, type PartitionReading } from '../bus';
import { splitHeartbeats, type OrderEvent, type ProcessModel } from '../events';
import { applyBatch, eventLetter, isolatePoison, readLetter, unreadableLetter, type ApplyOutcome } from './apply';
import { createSweeper, logStatusChange, type SweepResult } from './detection';
import { histogramTotals } from './histograms';
import { createTrackerApp } from './http';
import { createAutoRedrive } from './redrive/auto-redrive';
import { createRedriver } from './redrive/redriver';
import { LatestHeartbeats, type PartitionHeartbeat } from './heartbeat/latest-heartbeats';
import { createInstanceCleanup, createInstanceLease, describeHolder } from './lease';
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
  const { config, model, source, store } = options;
  const now = options.now ?? Date.now;
  const logger = options.logger ?? silentLogger();
  const registry = options.registry ?? new Registry();
  const instance = options.instance ?? config.tracker.instance;
  if (!INSTANCE_NAME.test(instance)) throw new ConfigError(`tracker instance "${instance}": must be 1-128 letters, digits, ".", "_" or "-" (tracker.instance)`);

  // The instance lease (tracker/lease): only its holder exports the duration histograms (read from
  // the store at scrape) and adds to their totals (the guard is the first statement of each apply).
  const lease = createInstanceLease({
    db: store,
    instance,
    ttlMs: config.tracker.instanceLeaseTtlMs,
    renewMs: config.tracker.instanceLeaseRenewMs,
    waitMs: config.tracker.instanceLeaseWaitMs,
    ...(options.now && { now: options.now }),
    onWait: (by) => logger.warn({ instance, holder: by }, `waiting for tracker instance "${instance}": another live process holds it (${describeHolder(by)}); a process that was killed lets it expire by then`),
    onLost: (by) => {
      metrics.recordLeaseLost();
      logger.error({ instance, holder: by }, `tracker instance "${instance}" was taken over by another process${by ? ` (${describeHolder(by)})` : ''}: no longer exporting its histograms or applying batches; give each process its own tracker.instance (ORDERSCOPE_TRACKER_INSTANCE)`);
    },
    onRegained: () => logger.warn({ instance }, `holding tracker instance "${instance}" again: exporting its histograms and applying batches`),
    onError: (err) => {
      metrics.recordLeaseRenewalFailure();
      logger.warn({ err, instance }, 'could not renew the tracker instance lease; trying again at the next interval');
    },
  });
  const instanceCleanup = createInstanceCleanup({
    db: store,
    instance,
    retentionMs: config.tracker.instanceRetentionMs,
    ...(options.now && { now: options.now }),
    onRemoved: (removed) => {
      metrics.recordInstancesRemoved(removed.length);
      logger.info({ instances: removed, retention_ms: config.tracker.instanceRetentionMs }, 'removed tracker instances nobody has held for longer than the retention, with their histogram totals');
    },
    onError: (err) => {
      metrics.recordInstanceCleanupFailure();
      logger.warn({ err }, 'could not remove the tracker instances gone for good; trying again at the next interval');
    },
  });
  const abortStart = new AbortController();
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
  const leasedStore = lease.guard(store);
  const redriver = createRedriver({
    db: store,
    model,
    rate: { eventsPerSecond: config.tracker.redriveRatePerSecond, burst: config.tracker.redriveBurst },
    onRedrive: (state, result) => metrics.recordRedrive(state, result),
    ...(options.now && { now: options.now }),
  });
  const autoRedrive = createAutoRedrive({ db: store, model, redriver, intervalMs: config.tracker.autoRedriveIntervalMs, logger, ...(options.now && { now: options.now }) });
  // Off unless tracker.reconcileIntervalMs > 0; its metrics are exported either way (at zero).
  const reconcileJob = createReconcileJob({ config, store: options.reportStore ?? store, metrics: new ReconcileMetrics(registry), logger, ...(options.now && { now: options.now }) });

  const sweeper = createSweeper({
    db: store,
    model,
    intervalMs: config.tracker.sweepIntervalMs,
    ...(options.now && { now: options.now }),
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

  let started: Promise<void> | undefined;
  let running = false;
  let closing: Promise<void> | undefined;
  const inFlight = new Set<Promise<unknown>>();

  /** Runs `work` unless the tracker is closing, and lets close() wait for it. */
  const tracked = async <T>(work: () => Promise<T>): Promise<T> => {
    if (closing) throw new UnavailableError('the tracker is shutting down; the batch stays on the bus and will be delivered again');
    const running = work();
    inFlight.add(running);
    try {
      return await running;
    } finally {
      inFlight.delete(running);
    }
  };

  /** One transaction over `events`, retried in place on transient failures; counted once committed. */
  const applyOnce = async (events: readonly OrderEvent[]): Promise<ApplyOutcome> => {
    const begin = process.hrtime.bigint();
    const outcome = await retry(() => applyBatch(leasedStore, model, events, instance, options.now), {
      retries: APPLY_RETRIES,
      onRetry: (err, attempt) => logger.warn({ err, attempt, events: events.length }, 'applying a batch failed for a transient reason; retrying'),
    });
    metrics.recordBatch(outcome, Number(process.hrtime.bigint() - begin) / 1e9, events);
    for (const change of outcome.statusChanges) logStatusChange(logger, change, model);
    logger.debug({ events: outcome.received, applied: outcome.applied, duplicates: outcome.duplicates, extended: outcome.ordersExtended, rebuilt: outcome.ordersRebuilt }, 'applied a batch');
    return outcome;
  };

  /**
   * Applies what it can of `items` and returns the letters of the events that can never be applied
   * (isolatePoison). Throws only a failure that is not the events' own.
   */
  const applyIsolating = async (items: readonly { event: OrderEvent; origin: EventOrigin }[]): Promise<NewDeadLetter[]> => {
    const { poisoned } = await isolatePoison(items, (part) => applyOnce(part.map((i) => i.event)), poisonReason);
    return poisoned.map(({ item, reason, error }) => eventLetter(item.event, item.origin, reason, error));
  };

  /** Keeps letters in dead_letters (retrying transient failures in place), then counts and logs them. */
  const setAside = async (letters: readonly NewDeadLetter[]): Promise<void> => {
    if (letters.length === 0) return;
    await retry(() => insertDeadLetters(store, letters, now() * 1000), { retries: APPLY_RETRIES });
    metrics.recordDeadLetters(letters.map((l) => l.reason));
    for (const l of letters) {
      logger.error(
        { order_id: l.orderId ?? undefined, event_id: l.eventId ?? undefined, reason: l.reason, origin: describeOrigin(l.origin as EventOrigin), error: l.error },
        'set an event aside as a dead letter: it cannot be applied; the events beside it were (orderscope dead-letters list)',
      );
    }
  };

  const apply = (batch: readonly OrderEvent[], context?: DeliveryContext): Promise<void> =>
    tracked(async () => {
      if (batch.length === 0 && !context?.unreadable.length) return;
      try {
        // Heartbeats are about the pipeline, not orders: they never reach the store's order tables.
        const { orders, heartbeats: beats } = splitHeartbeats(
          batch.map((event, i) => ({ event, origin: context?.origins[i] ?? IN_PROCESS_ORIGIN })),
          (item) => item.event,
        );
        const letters = orders.length > 0 ? await applyIsolating(orders) : [];
        // A batch of heartbeats only still commits one (empty, lease-guarded) transaction: a tracker
        // whose database refuses commits, or that lost its instance, must not look alive.
        if (orders.length === 0 && beats.length > 0) await retry(() => leasedStore.transaction(async () => undefined), { retries: APPLY_RETRIES });
        await setAside([...(context?.unreadable ?? []).map(unreadableLetter), ...letters]);
        // Only now that everything before them in the batch is committed: a heartbeat says "all of it went through".
        heartbeats.record(beats);
      } catch (err) {
        metrics.recordApplyFailure();
        logger.error({ err, events: batch.length }, 'could not apply a batch for a transient reason; the bus will deliver it again');
        throw err;
      }
    });

  const retryDeadLetter = (id: number, by: string): Promise<DeadLetterResolution> =>
    tracked(async () => {
      const letter = await getDeadLetter(store, id);
      if (!letter) return { result: 'not_found' };
      if (letter.status !== 'parked') return { result: 'not_parked', letter };
      const read = readLetter(letter.raw, new Date(now()));
      const origin = letter.origin as EventOrigin;
      const failed = read.ok
        ? await applyIsolating([{ event: read.event, origin }])
        : [{ key: letter.key, raw: letter.raw, eventId: letter.eventId, orderId: letter.orderId, reason: read.reason, error: read.error, origin }];
      if (failed.length > 0) {
        await setAside(failed);
        return { result: 'failed', letter: (await getDeadLetter(store, id)) ?? letter, error: failed[0]!.error };
      }
      await resolveDeadLetter(store, id, 'retried', by, now() * 1000);
      logger.info({ dead_letter: id, order_id: letter.orderId ?? undefined, by }, 'a dead letter was retried and applied');
      return { result: 'retried', letter: (await getDeadLetter(store, id)) ?? letter };
    });

  const dropDeadLetter = async (id: number, by: string): Promise<DeadLetterResolution> => {
    const letter = await getDeadLetter(store, id);
    if (!letter) return { result: 'not_found' };
    if (!(await resolveDeadLetter(store, id, 'dropped', by, now() * 1000))) return { result: 'not_parked', letter };
    logger.warn({ dead_letter: id, order_id: letter.orderId ?? undefined, by }, 'a dead letter was dropped');
    return { result: 'dropped', letter: (await getDeadLetter(store, id)) ?? letter };
  };

  const start = async (): Promise<void> => {
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
    await lease.acquire(abortStart.signal);
    await source.subscribe((batch, context) => apply(batch, context));
    // After the subscription: what fell due while the tracker was down is flagged now, from the
    // deadlines in the store (or once the caller's backlog is in: sweepAfter).
    if (options.sweepAfter) {
      void options.sweepAfter.then(
        () => sweeper.start(),
        (err: unknown) => {
          logger.warn({ reason: describeError(err) }, 'what the sweeper waited for failed; sweeping now');
          sweeper.start();
        },
      );
    } else sweeper.start();
    autoRedrive.start();
    reconcileJob.start();
    instanceCleanup.start();
    running = true;
    logger.info({ store: store.description, instance, model: model.name }, 'tracker started');
  };

  const app = createTrackerApp({
    db: store,
    ...(options.reportStore && { reportDb: options.reportStore }),
    model,
    tokens: config.tokens,
    traces: traceBackend(config.tracker.traceBackend, config.tracker.traceBackendUrl),
    registry,
    logger,
    readiness: () => ({ started: running && !closing, bus: source.isReady(), instance: lease.held }),
    deadLetters: { retry: retryDeadLetter, drop: dropDeadLetter },
    redriver,
    ...(options.partitions && { partitions: options.partitions }),
    heartbeats: { read: () => heartbeats.snapshot(), intervalMs: config.collector.heartbeatIntervalMs },
    ...(options.now && { now: options.now }),
  });

  return {
    app,
    registry,
    start: () => (started ??= start()),
    apply,
    heartbeats: () => heartbeats.snapshot(),
    retryDeadLetter,
    dropDeadLetter,
    sweep: () => sweeper.sweep(),
    autoRedrive: () => autoRedrive.runOnce(),
    removeGoneInstances: () => instanceCleanup.runNow(),
    close: () =>
      (closing ??= (async () => {
        abortStart.abort(new UnavailableError('the tracker is shutting down'));
        await started?.catch(() => undefined);
        await Promise.allSettled([...inFlight, sweeper.close(), autoRedrive.close(), reconcileJob.close(), instanceCleanup.close()]);
        running = false;
        await lease.release().catch((err: unknown) => logger.warn({ err, instance }, 'could not give the tracker instance lease up; it expires by itself'));
      })()),
  };
}

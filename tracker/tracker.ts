import type { Express } from 'express';
import { Registry } from 'prom-client';
import { retry, silentLogger, type Config, type Logger } from '../common';
import { INSTANCE_NAME } from '../common/config';
import { ConfigError, UnavailableError } from '../common/errors';
import type { Bus } from '../bus';
import type { OrderEvent, ProcessModel } from '../events';
import { applyBatch, type ApplyOutcome } from './apply';
import { createSweeper, logStatusChange, type SweepResult } from './detection';
import { createTrackerApp } from './http';
import { createInstanceLease, describeHolder } from './lease';
import { TrackerMetrics } from './metrics';
import { histogramTotals, migrate, stateOccupancy, type Db } from './store';

export interface TrackerOptions {
  readonly config: Config;
  readonly model: ProcessModel;
  /** Where the events come from. The caller owns it: the tracker subscribes but never closes it. */
  readonly bus: Bus;
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
  /** The clock, in ms. */
  readonly now?: () => number;
}

/** The tracker: bus consumer, state store, lost-order detector, metrics and API. */
export interface Tracker {
  /** The HTTP API: listen on it (`listen(tracker.app, host, port)`) or mount it. */
  readonly app: Express;
  readonly registry: Registry;
  /**
   * Brings the schema up to date, takes the instance's lease (waiting up to
   * `tracker.instanceLeaseWaitMs` while another live process holds it), subscribes to the bus and
   * starts the lost-order sweeper. Once.
   */
  start(): Promise<void>;
  /**
   * Applies one batch: what the bus subscription calls. Resolves once the batch is committed;
   * rejects (and the bus delivers the batch again) when it could not be.
   */
  apply(batch: readonly OrderEvent[]): Promise<ApplyOutcome | undefined>;
  /**
   * Runs the lost-order sweeper once, now: every order whose deadline has passed becomes stuck or
   * lost. It also runs by itself every `tracker.sweepIntervalMs` once started.
   */
  sweep(): Promise<SweepResult>;
  /**
   * Stops taking batches (later ones are refused, so the bus keeps them) and the sweeper, and waits
   * for the batch being applied and the sweep in progress. Does not close the bus or the store, which
   * belong to the caller: close the bus first, so that it stops delivering, then the tracker, then the
   * store. Safe to call twice.
   */
  close(): Promise<void>;
}

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
  const { config, model, bus, store } = options;
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
  const abortStart = new AbortController();
  const metrics = new TrackerMetrics({
    registry,
    model,
    readOccupancy: (states) => stateOccupancy(store, states),
    onOccupancyError: (err) => logger.warn({ err }, 'could not read the orders per state for the gauges; they keep their last values'),
    readTotals: () => histogramTotals(store, instance),
    exportsDurations: () => lease.held,
    onTotalsError: (err) => logger.warn({ err }, 'could not read the histogram totals; the duration histograms keep their last values'),
    ...(options.now && { now: options.now }),
  });
  const leasedStore = lease.guard(store);

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

  const apply = async (batch: readonly OrderEvent[]): Promise<ApplyOutcome | undefined> => {
    if (closing) throw new UnavailableError('the tracker is shutting down; the batch stays on the bus and will be delivered again');
    if (batch.length === 0) return undefined;
    const work = applyWithMetrics(batch);
    inFlight.add(work);
    try {
      return await work;
    } finally {
      inFlight.delete(work);
    }
  };

  const applyWithMetrics = async (batch: readonly OrderEvent[]): Promise<ApplyOutcome> => {
    const begin = process.hrtime.bigint();
    try {
      const outcome = await retry(() => applyBatch(leasedStore, model, batch, instance, options.now), {
        retries: APPLY_RETRIES,
        onRetry: (err, attempt) => logger.warn({ err, attempt, events: batch.length }, 'applying a batch failed for a transient reason; retrying'),
      });
      metrics.recordBatch(outcome, Number(process.hrtime.bigint() - begin) / 1e9);
      for (const change of outcome.statusChanges) logStatusChange(logger, change, model);
      logger.debug({ events: outcome.received, applied: outcome.applied, duplicates: outcome.duplicates, extended: outcome.ordersExtended, rebuilt: outcome.ordersRebuilt }, 'applied a batch');
      return outcome;
    } catch (err) {
      metrics.recordApplyFailure();
      logger.error({ err, events: batch.length }, 'could not apply a batch; the bus will deliver it again');
      throw err;
    }
  };

  const start = async (): Promise<void> => {
    const result = await retry(() => migrate(store), {
      deadlineMs: START_DEADLINE_MS,
      retries: 20,
      onRetry: (err) => logger.warn({ err }, `waiting for the database (${store.description})`),
    });
    for (const name of result.applied) logger.info({ migration: name }, 'applied a schema migration');
    if (result.unknownVersions.length) {
      logger.warn({ versions: result.unknownVersions }, 'the database has schema migrations this tracker does not know (a newer tracker ran on it)');
    }
    await lease.acquire(abortStart.signal);
    await bus.subscribe(async (batch) => {
      await apply(batch);
    });
    // After the subscription: what fell due while the tracker was down is flagged now, from the
    // deadlines in the store.
    sweeper.start();
    running = true;
    logger.info({ store: store.description, instance, model: model.name }, 'tracker started');
  };

  const app = createTrackerApp({
    db: store,
    ...(options.reportStore && { reportDb: options.reportStore }),
    model,
    tokens: config.tokens,
    traceUrlTemplate: config.tracker.traceUrlTemplate,
    registry,
    logger,
    readiness: () => ({ started: running && !closing, bus: bus.isReady(), instance: lease.held }),
    ...(options.now && { now: options.now }),
  });

  return {
    app,
    registry,
    start: () => (started ??= start()),
    apply,
    sweep: () => sweeper.sweep(),
    close: () =>
      (closing ??= (async () => {
        abortStart.abort(new UnavailableError('the tracker is shutting down'));
        await started?.catch(() => undefined);
        await Promise.allSettled([...inFlight, sweeper.close()]);
        running = false;
        await lease.release().catch((err: unknown) => logger.warn({ err, instance }, 'could not give the tracker instance lease up; it expires by itself'));
      })()),
  };
}

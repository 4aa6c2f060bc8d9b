import { type Config, type Logger, ConfigError, periodic } from '../../common';
import type { Db } from '../store';
import { countByKind } from './compare';
import type { ReconcileMetrics } from './metrics';
import { runReconcile, type Reconciliation } from './run';
import { sourceTables, type SourceReader, type SourceTable } from './source-tables';

export interface ReconcileJobOptions {
  readonly config: Pick<Config, 'tracker' | 'reconcile'>;
  readonly store: Db;
  readonly metrics: ReconcileMetrics;
  readonly logger: Logger;
  /** The wall clock, in ms. */
  readonly now?: () => number;
  readonly env?: NodeJS.ProcessEnv;
  readonly openReader?: (table: SourceTable) => Promise<SourceReader>;
}

/** The tracker's periodic reconciliation: one lifecycle and a run on demand. */
export interface ReconcileJob {
  /** Whether tracker.reconcileIntervalMs turns it on. */
  readonly enabled: boolean;
  /** Runs now, then every interval after the end of the previous run (unref'd timer); nothing when disabled. Once. */
  start(): void;
  /** Reconciles the last reconcile.windowMs now; runs of one job never overlap. */
  runOnce(): Promise<Reconciliation>;
  /** Stops the timer and waits for the run in progress. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * The periodic reconciliation of the tracker (off unless tracker.reconcileIntervalMs > 0). Each run
 * reconciles the last `reconcile.windowMs` up to now, sets `orderscope_reconcile_orders{kind}` and
 * logs each missing and diverged order; a failed run is counted and logged, and the gauges keep the
 * last successful run's values. Every replica runs it: they read the same data, so the gauges agree.
 *
 * @throws ConfigError when it is on without sources, or a source is misconfigured (at creation: fail fast)
 */
export function createReconcileJob(options: ReconcileJobOptions): ReconcileJob {
  const { config, logger } = options;
  const intervalMs = config.tracker.reconcileIntervalMs;
  const enabled = intervalMs > 0;
  if (enabled && config.reconcile.sources.length === 0) {
    throw new ConfigError('tracker.reconcileIntervalMs (ORDERSCOPE_TRACKER_RECONCILE_INTERVAL_MS) turns reconciliation on, but reconcile.sources lists no source table: add them to the config file, or set the interval to 0');
  }
  const tables = enabled ? sourceTables(config.reconcile.sources, options.env) : [];
  const now = options.now ?? Date.now;
  const runNow = async (): Promise<Reconciliation> => {
    const to = now() * 1000;
    const result = await runReconcile({
      tracker: options.store,
      sources: tables,
      window: { from: to - config.reconcile.windowMs * 1000, to },
      now: to,
      graceMs: config.reconcile.graceMs,
      ...(options.openReader && { openReader: options.openReader }),
    });
    options.metrics.recordRun(countByKind(result.discrepancies));
    for (const d of result.discrepancies) {
      if (d.kind === 'missing' || d.kind === 'diverged') logger.warn({ order_id: d.orderId, kind: d.kind, tracker_state: d.state, sources: d.sources }, `reconciliation: order ${d.orderId} is ${d.kind}`);
    }
    logger.info({ ...result.counts }, 'reconciled the source systems with the tracker');
    return result;
  };

  const loop = periodic({
    intervalMs,
    run: runNow,
    onError: (err) => {
      options.metrics.recordFailure();
      logger.error({ err }, 'reconciliation failed; the next run is an interval later');
    },
  });
  return { enabled, start: () => (enabled ? loop.start() : undefined), runOnce: loop.runNow, close: loop.close };
}

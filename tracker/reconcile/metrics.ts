import { Counter, Gauge, type Registry } from 'prom-client';
import type { MetricSpec } from '../metrics';
import { DISCREPANCY_KINDS, type DiscrepancyKind } from './compare';

/** Results of a reconciliation run, the `result` label of the runs counter. */
export const RECONCILE_RESULTS = ['ok', 'failed'] as const;

/** The reconciliation job's metrics, part of the tracker's catalogue. */
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

/** Counts reconciliation runs and exports the last one's findings. */
export class ReconcileMetrics {
  private readonly orders: Gauge<'kind'>;
  private readonly runs: Counter<'result'>;

  constructor(registry: Registry) {
    const spec = (m: MetricSpec) => ({ name: m.name, help: m.help, labelNames: [...m.labelNames], registers: [registry] });
    this.orders = new Gauge(spec(RECONCILE_METRICS.orders));
    this.runs = new Counter(spec(RECONCILE_METRICS.runs));
    // Series from the start, at zero: an alert must see the first finding, and increase() its first step.
    for (const kind of DISCREPANCY_KINDS) this.orders.set({ kind }, 0);
    for (const result of RECONCILE_RESULTS) this.runs.inc({ result }, 0);
  }

  recordRun(counts: Readonly<Record<DiscrepancyKind, number>>): void {
    for (const kind of DISCREPANCY_KINDS) this.orders.set({ kind }, counts[kind]);
    this.runs.inc({ result: 'ok' });
  }

  recordFailure(): void {
    this.runs.inc({ result: 'failed' });
  }
}

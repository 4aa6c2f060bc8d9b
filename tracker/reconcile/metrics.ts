import { Counter, Gauge, type Registry } from 'prom-client';
import { RECONCILE_METRICS, RECONCILE_RESULTS, type MetricSpec } from '../metric-names';
import { DISCREPANCY_KINDS, type DiscrepancyKind } from './compare';

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

import { Counter, Gauge, type Registry } from 'prom-client';

/** The CRM's metric catalogue (besides the shared pipeline metrics). Operators are few and configured: fine as labels. */
export const CRM_METRICS = {
  assigned: {
    name: 'orderscope_crm_orders_assigned_total',
    help: 'Orders assigned to an operator, by operator: the shares the fair assignment gives.',
    labelNames: ['operator'],
  },
  pending: {
    name: 'orderscope_crm_orders_pending',
    help: 'Priced orders waiting for an operator with free capacity (read at scrape).',
  },
} as const;

export class CrmMetrics {
  readonly assigned: Counter<'operator'>;

  constructor(registry: Registry, operators: readonly string[], readPending: () => Promise<number>) {
    const registers = [registry];
    this.assigned = new Counter({ ...CRM_METRICS.assigned, labelNames: [...CRM_METRICS.assigned.labelNames], registers });
    for (const operator of operators) this.assigned.inc({ operator }, 0);
    new Gauge({
      ...CRM_METRICS.pending,
      registers,
      async collect() {
        await readPending().then(
          (n) => this.set(n),
          () => undefined,
        );
      },
    });
  }
}

import { METRICS } from '../metric-names';
import { selector } from '../promql';
import { runbookUrl } from './text';
import { ALERT_NAMES, type AlertingRule, type RuleContext, type RuleGroup } from './types';

/** What an OrdersUnreconciled alert's text shows of the firing series. */
export interface UnreconciledValues {
  readonly count: string;
  readonly kind: string;
}

/** The Go templates an OrdersUnreconciled rule's annotations hold. */
export const UNRECONCILED_TEMPLATES: UnreconciledValues = { count: '{{ $value | printf "%.0f" }}', kind: '{{ $labels.kind }}' };

/**
 * OrdersUnreconciled: the tracker's last reconciliation found orders missing (a source system has
 * them, the tracker never saw them) or diverged (their state differs from the source's past the grace
 * period). A ticket per kind: each is an order the dashboards and lost-order pages cannot see right,
 * but finding why (an agent that drops events, a hand edit in a database) is office-hours work.
 *
 * The gauge is the last run's result, a fact rather than a trend: no `for`. `max`, not `sum`: every
 * tracker replica reconciles the same data. Orphans and duplicates are in the report and the gauge
 * but open no ticket: they do not hide an order.
 */
export function unreconciledRule(ctx: RuleContext): AlertingRule {
  const gauge = selector(METRICS.reconcileOrders, { job: { re: ctx.options.trackerJob }, kind: { re: 'missing|diverged' } });
  return {
    alert: ALERT_NAMES.ordersUnreconciled,
    expr: `max by (kind) (${gauge}) > 0`,
    labels: { severity: 'ticket', pipeline: ctx.options.pipeline },
    annotations: unreconciledAnnotations(ctx, UNRECONCILED_TEMPLATES),
  };
}

/** The annotations of {@link unreconciledRule}, with `v` in place of the firing series' values. */
export function unreconciledAnnotations(ctx: RuleContext, v: UnreconciledValues): Record<string, string> {
  return {
    summary: `${v.count} order(s) ${v.kind} in the last reconciliation of the source systems with the tracker`,
    description:
      `The tracker's last reconciliation (tracker.reconcileIntervalMs, over reconcile.windowMs) found ${v.count} order(s) ${v.kind}. ` +
      'missing: a source database holds the order and the tracker never saw it, so it is tracked nowhere (an agent dropped its event); ' +
      "diverged: the source's state and the tracker's differ for longer than reconcile.graceMs (an event was lost, or the row was changed by hand). " +
      'The tracker logs each order; `orderscope reconcile --from <window start>` lists them with what each source holds.',
    runbook_url: runbookUrl(ctx, ALERT_NAMES.ordersUnreconciled),
  };
}

/** The reconciliation's alerts. */
export function reconcileAlertGroup(ctx: RuleContext): RuleGroup {
  return { name: 'orderscope-reconcile', rules: [unreconciledRule(ctx)] };
}

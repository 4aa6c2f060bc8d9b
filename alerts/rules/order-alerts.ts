import { formatDuration } from '../../common';
import type { StateDef } from '../../events';
import { METRICS } from '../metric-names';
import { promDuration, selector } from '../promql';
import { describeHandoff, runbookUrl, stateText, trackerUrl } from './text';
import { ALERT_NAMES, type AlertingRule, type RuleContext, type RuleGroup } from './types';

/**
 * What an alert's text shows of the firing series. The rules hold Go templates
 * ({@link LOST_TEMPLATES}); the promtool tests pass the values the templates must expand to, so the
 * expected annotations are built by the same function as the rule's.
 */
export interface LostValues {
  readonly count: string;
  readonly reason: string;
}

/** The Go templates an OrderLost rule's annotations hold. */
export const LOST_TEMPLATES: LostValues = { count: '{{ $value | printf "%.0f" }}', reason: '{{ $labels.reason }}' };

/** What an OrdersStuck alert's text shows of the firing series. */
export interface StuckValues {
  readonly count: string;
}

/** The Go templates an OrdersStuck rule's annotations hold. */
export const STUCK_TEMPLATES: StuckValues = { count: '{{ $value | printf "%.0f" }}' };

/** Labels an order alert carries besides those of its series: who is told, and where the orders are. */
export function orderAlertLabels(ctx: RuleContext, state: StateDef, severity: 'page' | 'ticket'): AlertingRule['labels'] {
  return { severity, pipeline: ctx.options.pipeline, state: state.name, system: state.system };
}

/**
 * OrderLost for one open state: pages as soon as the tracker counts a lost order there.
 *
 * The counter's increase over `lostWindow` is an event, not a condition: the alert fires at the
 * first evaluation that sees the increase (no `for`, a loss does not get better by waiting) and
 * resolves `lostWindow` after the last loss. Summed over tracker replicas, since each counts the
 * orders its own sweeper declared lost. One rule per state, so the annotations can name the state's
 * owner, its handoff and the tracker's page that lists the orders.
 */
export function orderLostRule(ctx: RuleContext, state: StateDef): AlertingRule {
  const { options } = ctx;
  const series = selector(METRICS.ordersLost, { job: { re: options.trackerJob }, state: state.name });
  return {
    alert: ALERT_NAMES.orderLost,
    expr: `sum by (state, reason) (increase(${series}[${promDuration(options.lostWindow)}])) > 0`,
    labels: orderAlertLabels(ctx, state, 'page'),
    annotations: orderLostAnnotations(ctx, state, LOST_TEMPLATES),
  };
}

/** The annotations of {@link orderLostRule}, with `v` in place of the firing series' values. */
export function orderLostAnnotations(ctx: RuleContext, state: StateDef, v: LostValues): Record<string, string> {
  const { model, options } = ctx;
  const s = state.name;
  // What people read: the state's label (with its name); URLs and matchers keep the name.
  const title = stateText(model, s);
  const window = promDuration(options.lostWindow);
  const handoffs = model.handoffsFrom(s);
  const where = handoffs.length
    ? `at the handoff to ${handoffs.map((h) => `${stateText(model, h.to)} (${h.toSystem})`).join(' or ')}`
    : `owned by ${state.system}`;
  const next = handoffs.length
    ? `After ${title} the order must be handed over: ${handoffs.map((h) => describeHandoff(model, h)).join('; ')}; ` +
      `an order still in ${title} after ${formatDuration(state.lostAfterSeconds ?? 0)} (lost_after) is lost too. ` +
      `Check that ${handoffs.map((h) => `${h.toSystem} consumes ${h.via || `what ${h.fromSystem} hands over`}`).join(', and that ')}.`
    : `No event moved them out of ${title} within ${formatDuration(state.lostAfterSeconds ?? 0)} (lost_after). Check what keeps ${state.system} from moving orders on from ${title}.`;
  return {
    summary: `${v.count} order(s) lost in ${title} (${v.reason}), ${where}`,
    description:
      `${v.count} order(s) were declared lost in state ${title} (owned by ${state.system}) in the last ${window}, reason ${v.reason}. ${next} ` +
      `List them: ${trackerUrl(ctx, '/lost', { state: s })} (JSON: GET ${trackerUrl(ctx, '/v1/lost', { state: s })}); ` +
      `each order's timeline, status history and traces: ${trackerUrl(ctx, '/orders')}/<order_id>. ` +
      `This page resolves ${window} after the last loss; the orders stay listed as lost until a later event recovers them or they are redriven.`,
    ...(handoffs.length > 0 && { handoff: handoffs.map((h) => describeHandoff(model, h)).join('; ') }),
    orders_url: trackerUrl(ctx, '/lost', { state: s }),
    runbook_url: runbookUrl(ctx, ALERT_NAMES.orderLost),
  };
}

/**
 * OrdersStuck for one open state: a ticket when orders have been past the state's SLA
 * (expect_within) for `stuckFor`. The gauge is read from the store, so every tracker replica
 * exports the same value: `max`, not `sum`.
 */
export function ordersStuckRule(ctx: RuleContext, state: StateDef): AlertingRule {
  const { options } = ctx;
  const series = selector(METRICS.ordersStuck, { job: { re: options.trackerJob }, state: state.name });
  return {
    alert: ALERT_NAMES.ordersStuck,
    expr: `max by (state) (${series}) > 0`,
    for: promDuration(options.stuckFor),
    labels: orderAlertLabels(ctx, state, 'ticket'),
    annotations: ordersStuckAnnotations(ctx, state, STUCK_TEMPLATES),
  };
}

/** The annotations of {@link ordersStuckRule}, with `v` in place of the firing series' values. */
export function ordersStuckAnnotations(ctx: RuleContext, state: StateDef, v: StuckValues): Record<string, string> {
  const { model, options } = ctx;
  const s = state.name;
  const title = stateText(model, s);
  const sla = formatDuration(state.expectWithinSeconds ?? 0);
  const handoffs = model.handoffsFrom(s);
  const leaving = handoffs.length
    ? `They leave ${title} when ${handoffs.map((h) => `${stateText(model, h.to)} (${h.toSystem}) takes them${h.via ? ` from ${h.via}` : ''}, expected within ${formatDuration(h.withinSeconds)}`).join(', or ')}.`
    : `Next state: ${model.successors(s).map((n) => stateText(model, n)).join(' or ')}.`;
  return {
    summary: `${v.count} order(s) stuck in ${title} (${state.system}) beyond its SLA of ${sla}`,
    description:
      `${v.count} order(s) have been in state ${title} (owned by ${state.system}) longer than its SLA of ${sla} (expect_within), ` +
      `for at least ${promDuration(options.stuckFor)}; each is declared lost after ${formatDuration(state.lostAfterSeconds ?? 0)} in the state. ${leaving} ` +
      `List them: ${trackerUrl(ctx, '/stuck', { state: s })} (JSON: GET ${trackerUrl(ctx, '/v1/orders', { status: 'stuck', state: s })}).`,
    orders_url: trackerUrl(ctx, '/stuck', { state: s }),
    runbook_url: runbookUrl(ctx, ALERT_NAMES.ordersStuck),
  };
}

/** OrderLost and OrdersStuck for every open state of the model. */
export function orderAlertGroup(ctx: RuleContext): RuleGroup {
  // A state without the limit (observed only) can never have an order stuck or lost for it.
  return {
    name: 'orderscope-orders',
    rules: [...ctx.model.losableStates().map((s) => orderLostRule(ctx, s)), ...ctx.model.stuckableStates().map((s) => ordersStuckRule(ctx, s))],
  };
}

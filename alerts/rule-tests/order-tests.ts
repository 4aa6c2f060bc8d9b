import { formatDuration } from '../../common';
import type { StateDef } from '../../events';
import { METRICS } from '../metric-names';
import { orderAlertLabels, orderLostAnnotations, ordersStuckAnnotations } from '../rules/order-alerts';
import { ALERT_NAMES, type RuleContext } from '../rules/types';
import { printfWhole } from './go-format';
import { alertTest, flat, series, stepAt, stepsOf } from './series';
import type { ExpectedAlert, TestGroup } from './types';

/** The `reason` the test data gives a loss: a missed handoff where the state has one, else its lost_after. */
function lossReason(ctx: RuleContext, state: StateDef): string {
  return ctx.model.handoffsFrom(state.name).length > 0 ? 'handoff_missed' : 'lost_after';
}

/**
 * OrderLost: one order is lost in every open state at step 6, counted by replica tracker-1 while
 * tracker-2 counts none. Silent before the loss, paging right after it with the state's own
 * annotations, resolved once the loss has left the window.
 */
export function orderLostTests(ctx: RuleContext): TestGroup {
  const I = ctx.options.evaluationInterval;
  const lossStep = 6;
  const resolvedStep = lossStep + stepsOf(ctx.options.lostWindow, I) + 2;
  const last = resolvedStep + 2;
  const open = ctx.model.losableStates();
  const job = ctx.options.trackerJob;
  const firing: ExpectedAlert[] = open.map((s) => ({
    exp_labels: { ...orderAlertLabels(ctx, s, 'page'), reason: lossReason(ctx, s) },
    exp_annotations: orderLostAnnotations(ctx, s, { count: '1', reason: lossReason(ctx, s) }),
  }));
  return {
    name: `OrderLost: a loss pages at once with its state's annotations, and resolves ${formatDuration(ctx.options.lostWindow)} later`,
    interval: formatDuration(I),
    input_series: open.flatMap((s) => [
      series(METRICS.ordersLost, { instance: 'tracker-1', job, reason: lossReason(ctx, s), state: s.name }, stepAt(lossStep, last, 0, 1)),
      series(METRICS.ordersLost, { instance: 'tracker-2', job, reason: lossReason(ctx, s), state: s.name }, flat(0, last)),
    ]),
    alert_rule_test: [
      alertTest(lossStep - 2, I, ALERT_NAMES.orderLost, []),
      alertTest(lossStep + 2, I, ALERT_NAMES.orderLost, firing),
      alertTest(resolvedStep, I, ALERT_NAMES.orderLost, []),
    ],
  };
}

/**
 * OrdersStuck: three orders stuck in every open state from step 3, as both tracker replicas report
 * them (the count is 3, not 6). Pending until `stuckFor` has passed, then a ticket per state.
 */
export function ordersStuckTests(ctx: RuleContext): TestGroup[] {
  const I = ctx.options.evaluationInterval;
  const start = 3;
  const forSteps = stepsOf(ctx.options.stuckFor, I);
  const last = start + forSteps + 3;
  const open = ctx.model.stuckableStates();
  const job = ctx.options.trackerJob;
  const input = (value: (state: StateDef) => string) =>
    open.flatMap((s) => ['tracker-1', 'tracker-2'].map((instance) => series(METRICS.ordersStuck, { instance, job, state: s.name }, value(s))));
  const firing: ExpectedAlert[] = open.map((s) => ({
    exp_labels: orderAlertLabels(ctx, s, 'ticket'),
    exp_annotations: ordersStuckAnnotations(ctx, s, { count: printfWhole(3) }),
  }));
  return [
    {
      name: `OrdersStuck: stuck orders open a ticket per state after ${formatDuration(ctx.options.stuckFor)}`,
      interval: formatDuration(I),
      input_series: input(() => stepAt(start, last, 0, 3)),
      alert_rule_test: [
        alertTest(start + forSteps - 1, I, ALERT_NAMES.ordersStuck, []),
        alertTest(start + forSteps + 1, I, ALERT_NAMES.ordersStuck, firing),
      ],
    },
    {
      name: 'OrdersStuck: no stuck orders, no ticket',
      interval: formatDuration(I),
      input_series: input(() => flat(0, last)),
      alert_rule_test: [alertTest(start + forSteps + 1, I, ALERT_NAMES.ordersStuck, [])],
    },
  ];
}

import { formatDuration } from '../../common';
import { METRICS } from '../metric-names';
import { unreconciledAnnotations, unreconciledRule } from '../rules/reconcile-alerts';
import type { RuleContext } from '../rules/types';
import { printfWhole } from './go-format';
import { alertTest, flat, series, stepAt } from './series';
import type { TestGroup } from './types';

/**
 * OrdersUnreconciled: two tracker replicas whose runs find 2 missing orders from step 4 and 1 diverged
 * from step 6 (one replica runs later): a ticket per kind at once, with the largest count, resolved
 * when the runs find none again. Orphans and duplicates never open one.
 */
export function reconcileTests(ctx: RuleContext): TestGroup[] {
  const { trackerJob: job, evaluationInterval: I } = ctx.options;
  const rule = unreconciledRule(ctx);
  const last = 14;
  const gauge = (instance: string, kind: string, values: string) => series(METRICS.reconcileOrders, { instance, job, kind }, values);
  const ticket = (kind: string, count: number) => ({ exp_labels: { ...rule.labels, kind }, exp_annotations: unreconciledAnnotations(ctx, { count: printfWhole(count), kind }) });
  return [
    {
      name: 'OrdersUnreconciled: missing and diverged orders of the last run open a ticket per kind at once, resolved when a run finds none',
      interval: formatDuration(I),
      input_series: [
        gauge('tracker-1', 'missing', `${flat(0, 3)} ${flat(2, 6)} ${flat(0, last - 10)}`),
        gauge('tracker-2', 'missing', `${flat(0, 4)} ${flat(2, 5)} ${flat(0, last - 10)}`),
        gauge('tracker-1', 'diverged', stepAt(6, last, 0, 1)),
        gauge('tracker-1', 'orphan', stepAt(2, last, 0, 5)),
        gauge('tracker-1', 'duplicated', stepAt(2, last, 0, 3)),
      ],
      alert_rule_test: [
        alertTest(2, I, rule.alert, []),
        alertTest(4, I, rule.alert, [ticket('missing', 2)]),
        alertTest(7, I, rule.alert, [ticket('diverged', 1), ticket('missing', 2)]),
        alertTest(12, I, rule.alert, [ticket('diverged', 1)]),
      ],
    },
  ];
}

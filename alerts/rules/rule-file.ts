import { orderAlertGroup } from './order-alerts';
import { pipelineAlertGroup } from './pipeline-alerts';
import { reconcileAlertGroup } from './reconcile-alerts';
import { sloGroup } from './slo-rules';
import type { RuleContext, RuleGroup } from './types';

/** Every rule group, in the order of the rule file: orders, one group per SLO, the pipeline, reconciliation. */
export function ruleGroups(ctx: RuleContext): RuleGroup[] {
  const slo = ctx.model.slos.map((s) => sloGroup(ctx, s)).filter((g): g is RuleGroup => g !== undefined);
  return [orderAlertGroup(ctx), ...slo, pipelineAlertGroup(ctx), reconcileAlertGroup(ctx)];
}

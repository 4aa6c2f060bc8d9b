import { formatDuration } from '../../common';
import type { RuleContext } from '../rules/types';
import { orderLostTests, ordersStuckTests } from './order-tests';
import { pipelineTests } from './pipeline-tests';
import { reconcileTests } from './reconcile-tests';
import { sloTests } from './slo-tests';
import type { PromtoolTestFile } from './types';

/**
 * The promtool unit tests of the generated rules: for every alert, data on which it must fire (with
 * its exact labels and annotations) and data on which it must stay silent. Generated from the same
 * model and options as the rules, so a model change brings its tests along.
 */
export function promtoolTestFile(ctx: RuleContext, ruleFile: string): PromtoolTestFile {
  return {
    rule_files: [ruleFile],
    evaluation_interval: formatDuration(ctx.options.evaluationInterval),
    tests: [orderLostTests(ctx), ...ordersStuckTests(ctx), ...sloTests(ctx), ...pipelineTests(ctx), ...reconcileTests(ctx)],
  };
}

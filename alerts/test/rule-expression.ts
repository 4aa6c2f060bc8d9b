import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { PROJECT_ROOT } from '../../common';
import { ensurePrometheusTools, runTool, type ToolRun } from './prometheus-tools';

/** The expression of a generated alert, as alerts/generated/orderscope.rules.yml holds it. */
export function generatedAlertExpr(alert: string): string {
  const file = path.join(PROJECT_ROOT, 'alerts', 'generated', 'orderscope.rules.yml');
  const rules = parse(readFileSync(file, 'utf8')) as { groups: { rules: { alert?: string; expr: string }[] }[] };
  const rule = rules.groups.flatMap((g) => g.rules).find((r) => r.alert === alert);
  if (!rule) throw new Error(`no ${alert} rule in ${file}`);
  return rule.expr;
}

/** One promtool input series: `name{labels}` and its values in promtool's expanding notation. */
export interface InputSeries {
  readonly series: string;
  readonly values: string;
}

/** One evaluation: `expr` at `eval_time` must give exactly `exp_samples`. */
export interface ExprTest {
  readonly expr: string;
  readonly eval_time: string;
  readonly exp_samples: readonly { readonly labels: string; readonly value: number }[];
}

/**
 * Runs `promtool test rules` with one test of promql expressions over `input` (sampled every
 * `interval`): how integration tests show that an alert's expression is true on what a real process
 * exported. Resolves with promtool's status and output (status 0 and "SUCCESS" when every
 * expectation held).
 */
export async function promqlExprTest(input: readonly InputSeries[], tests: readonly ExprTest[], interval = '1m'): Promise<ToolRun> {
  ensurePrometheusTools();
  const file = { rule_files: [], evaluation_interval: interval, tests: [{ interval, input_series: input, promql_expr_test: tests }] };
  const dir = mkdtempSync(path.join(tmpdir(), 'orderscope-promql-'));
  try {
    writeFileSync(path.join(dir, 'test.yml'), stringify(file));
    return await runTool('promtool', ['test', 'rules', 'test.yml'], dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

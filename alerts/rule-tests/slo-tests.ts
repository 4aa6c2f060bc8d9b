import { formatDuration } from '../../common';
import type { Slo } from '../../events';
import { METRICS } from '../metric-names';
import type { ResolvedTier } from '../options';
import { leValue, openMetricsLeValue } from '../promql';
import { trackerDownRule } from '../rules/pipeline-alerts';
import { burnAlertName, burnLabels, errorBudget, sloBurnAnnotations, sloNoDataRule, tiersFor } from '../rules/slo-rules';
import { ALERT_NAMES, type RuleContext } from '../rules/types';
import { humanizePercentage } from './go-format';
import { alertTest, flat, ramp, series, stepsOf } from './series';
import type { AlertTest, ExpectedAlert, InputSeries, TestGroup } from './types';

/*
 * The SLO tests run every SLO state at once. Each state's stays end at a constant rate from step 0,
 * with a constant share of them slower than the state's SLO threshold, so every window, however
 * long, sees the same error ratio and the tiers that fire are exactly those whose threshold
 * (burn rate x budget) the ratio exceeds.
 */

/** The SLOs that have rules (at least one tier can fire for them). */
function slosWithRules(ctx: RuleContext): Slo[] {
  return ctx.model.slos.filter((slo) => tiersFor(ctx, slo).length > 0);
}

/**
 * How a Prometheus stores a bucket's `le`: version 2 as the tracker (prom-client) wrote it ("600"),
 * version 3 normalised ("600.0"). The rules must find the bucket either way.
 */
type LeSpelling = 'prometheus2' | 'prometheus3';
const LE_SPELLINGS: Record<LeSpelling, (bound: number) => string> = { prometheus2: leValue, prometheus3: openMetricsLeValue };

/**
 * The series of one state's time-in-state histogram (or of its retracted twin): count, the SLO
 * threshold's bucket, and +Inf (a decoy: all fast).
 */
function histogramSeries(
  ctx: RuleContext,
  slo: Slo,
  perStep: number,
  slowShare: number,
  steps: number,
  metric: string = METRICS.stateDuration,
  spelling: LeSpelling = 'prometheus2',
): InputSeries[] {
  const labels = { instance: 'tracker-1', job: ctx.options.trackerJob, state: slo.state };
  return [
    series(`${metric}_count`, labels, ramp(perStep, steps)),
    series(`${metric}_bucket`, { ...labels, le: LE_SPELLINGS[spelling](slo.withinSeconds) }, ramp(perStep * (1 - slowShare), steps)),
    series(`${metric}_bucket`, { ...labels, le: '+Inf' }, ramp(perStep, steps)),
  ];
}

const trackerUp = (ctx: RuleContext, value: number, steps: number) =>
  series('up', { instance: 'tracker-1', job: ctx.options.trackerJob }, flat(value, steps));

/**
 * Burn multiples to test, each between two tiers' burn rates (and one above all, one below all):
 * with the workbook's tiers 21.6, 10.2, 4.5, 2 and 0.5 times the budget.
 */
function scenarioMultiples(tiers: readonly ResolvedTier[]): number[] {
  const rates = [...new Set(tiers.map((t) => t.burnRate))].sort((a, b) => b - a);
  const between = rates.slice(1).map((r, i) => (rates[i]! + r) / 2);
  return [rates[0]! * 1.5, ...between, rates[rates.length - 1]! / 2].map((k) => Number(k.toPrecision(6)));
}

/** The slow share a state shows at burn multiple `k`, capped at every stay. */
const slowShareAt = (slo: Slo, k: number) => Math.min(1, Number((k * errorBudget(slo)).toPrecision(12)));

function expectedBurnAlerts(ctx: RuleContext, k: number, alertname: string): ExpectedAlert[] {
  return slosWithRules(ctx).flatMap((slo) => {
    const share = slowShareAt(slo, k);
    return tiersFor(ctx, slo)
      .filter((t) => burnAlertName(t) === alertname && share > t.burnRate * errorBudget(slo))
      .map((t) => ({
        exp_labels: burnLabels(ctx, ctx.model.state(slo.state)!, t),
        exp_annotations: sloBurnAnnotations(ctx, slo, t, { ratio: humanizePercentage(share) }),
      }));
  });
}

function burnScenario(ctx: RuleContext, k: number, atStep: number, spelling: LeSpelling = 'prometheus2'): TestGroup {
  const I = ctx.options.evaluationInterval;
  const perStep = Math.max(1000, ctx.options.sloMinStays);
  const test = (alertname: string): AlertTest => alertTest(atStep, I, alertname, expectedBurnAlerts(ctx, k, alertname));
  const slos = slosWithRules(ctx);
  const renamed = slos.map((slo) => slo.withinSeconds).find((b) => leValue(b) !== openMetricsLeValue(b));
  const example = renamed === undefined ? '' : ` (e.g. le="${openMetricsLeValue(renamed)}", not "${leValue(renamed)}")`;
  const stored = spelling === 'prometheus3' ? `, with the buckets as Prometheus 3 stores them${example}` : '';
  return {
    name: `SLO burn at ${k}x the error budget: exactly the tiers with a lower burn rate fire, in every SLO state${stored}`,
    interval: formatDuration(I),
    input_series: [
      trackerUp(ctx, 1, atStep + 1),
      ...slos.flatMap((slo) => histogramSeries(ctx, slo, perStep, slowShareAt(slo, k), atStep + 1, METRICS.stateDuration, spelling)),
    ],
    alert_rule_test: [test(ALERT_NAMES.sloFastBurn), test(ALERT_NAMES.sloSlowBurn), alertTest(atStep, I, ALERT_NAMES.sloNoData, [])],
  };
}

/**
 * The volume guard: every stay is slow, but fewer than half of `sloMinStays` end before the tier
 * with the shortest `for` would have fired. No alert.
 */
function volumeGuardScenario(ctx: RuleContext, tiers: readonly ResolvedTier[]): TestGroup | undefined {
  const { sloMinStays, evaluationInterval: I } = ctx.options;
  if (sloMinStays <= 0) return undefined;
  const atStep = stepsOf(Math.min(...tiers.map((t) => t.for)), I) + 5;
  const perStep = Number((sloMinStays / (2 * (atStep + 1))).toPrecision(6));
  return {
    name: `SLO volume guard: every stay slow, but fewer than ${sloMinStays} stays in the long window: no alert`,
    interval: formatDuration(I),
    input_series: [trackerUp(ctx, 1, atStep + 1), ...slosWithRules(ctx).flatMap((slo) => histogramSeries(ctx, slo, perStep, 1, atStep + 1))],
    alert_rule_test: [alertTest(atStep, I, ALERT_NAMES.sloFastBurn, []), alertTest(atStep, I, ALERT_NAMES.sloSlowBurn, [])],
  };
}

/**
 * Retracted stays: half the stays observed were slow, but late events rewrote exactly those (each
 * slow stay was retracted, and its fast parts observed): net of the retracted twin every stay was
 * fast, and no burn alert fires (the observed histogram alone burns at 50%).
 */
function retractionScenario(ctx: RuleContext, tiers: readonly ResolvedTier[]): TestGroup {
  const I = ctx.options.evaluationInterval;
  const atStep = stepsOf(Math.max(...tiers.map((t) => t.for)), I) + 5;
  const perStep = Math.max(1000, ctx.options.sloMinStays);
  return {
    name: 'SLO: slow stays that late events rewrote (retracted) do not burn the budget: the SLI is observed minus retracted',
    interval: formatDuration(I),
    input_series: [
      trackerUp(ctx, 1, atStep + 1),
      ...slosWithRules(ctx).flatMap((slo) => [
        ...histogramSeries(ctx, slo, 2 * perStep, 0.5, atStep + 1),
        ...histogramSeries(ctx, slo, perStep, 1, atStep + 1, METRICS.stateDurationRetracted),
      ]),
    ],
    alert_rule_test: [alertTest(atStep, I, ALERT_NAMES.sloFastBurn, []), alertTest(atStep, I, ALERT_NAMES.sloSlowBurn, []), alertTest(atStep, I, ALERT_NAMES.sloNoData, [])],
  };
}

/** OrderSLONoData: fires per SLO state when the tracker is up but exports no histogram; silent when the tracker is down. */
function noDataScenarios(ctx: RuleContext): TestGroup[] {
  const I = ctx.options.evaluationInterval;
  const atStep = stepsOf(ctx.options.sloNoDataFor, I) + 3;
  const trackerDown = trackerDownRule(ctx);
  const firing: ExpectedAlert[] = slosWithRules(ctx).map((slo) => {
    const rule = sloNoDataRule(ctx, slo);
    return { exp_labels: rule.labels, exp_annotations: rule.annotations };
  });
  return [
    {
      name: 'OrderSLONoData: the tracker is up but exports no time-in-state histogram: a ticket per SLO state',
      interval: formatDuration(I),
      input_series: [trackerUp(ctx, 1, atStep + 1)],
      alert_rule_test: [alertTest(atStep, I, ALERT_NAMES.sloNoData, firing)],
    },
    {
      name: 'OrderSLONoData: the tracker is down: no ticket (TrackerDown pages instead)',
      interval: formatDuration(I),
      input_series: [trackerUp(ctx, 0, atStep + 1)],
      alert_rule_test: [
        alertTest(atStep, I, ALERT_NAMES.sloNoData, []),
        alertTest(atStep, I, ALERT_NAMES.trackerDown, [{ exp_labels: { ...trackerDown.labels, job: ctx.options.trackerJob }, exp_annotations: trackerDown.annotations }]),
      ],
    },
  ];
}

/** Every SLO test group: one per burn multiple, the volume guard, and the absent-data alert. */
export function sloTests(ctx: RuleContext): TestGroup[] {
  const tiers = slosWithRules(ctx).flatMap((slo) => tiersFor(ctx, slo));
  if (tiers.length === 0) return [];
  const atStep = stepsOf(Math.max(...tiers.map((t) => t.for)), ctx.options.evaluationInterval) + 5;
  const guard = volumeGuardScenario(ctx, tiers);
  const multiples = scenarioMultiples(ctx.options.burnRateTiers);
  return [
    ...multiples.map((k) => burnScenario(ctx, k, atStep)),
    // Every tier fires at the highest multiple: each SLO's rules find the bucket Prometheus 3 renamed.
    burnScenario(ctx, multiples[0]!, atStep, 'prometheus3'),
    ...(guard ? [guard] : []),
    retractionScenario(ctx, tiers),
    ...noDataScenarios(ctx),
  ];
}


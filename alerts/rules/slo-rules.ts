import { formatDuration } from '../../common';
import type { Slo, StateDef } from '../../events';
import { METRICS } from '../metric-names';
import type { ResolvedTier } from '../options';
import { leMatcher, leValue, netSum, promDuration, promNumber, selector } from '../promql';
import { runbookUrl, stateText, trackerUrl } from './text';
import { ALERT_NAMES, type AlertingRule, type RecordingRule, type RuleContext, type RuleGroup } from './types';

/*
 * Per-state SLOs as multi-window, multi-burn-rate alerts (Google SRE workbook, "Alerting on SLOs").
 *
 * SLI of a state: the share of stays that ended in the window and lasted longer than the SLO's
 * threshold, read from the time-in-state histogram, whose bucket bounds include every threshold of
 * the model exactly (ProcessModel.durationBuckets), net of its retracted twin: a stay that a late
 * event rewrote was observed, then retracted, and its rewritten parts observed, so observed minus
 * retracted is the stays as stored, each once. Stays still open are not in it: orders that never
 * leave are OrdersStuck and OrderLost's job.
 */

/** The error budget of an SLO: the share of stays allowed to last longer than its threshold. */
export function errorBudget(slo: Slo): number {
  return Number((1 - slo.objective).toPrecision(12));
}

/**
 * The tiers that can fire for `slo`. A tier whose threshold (burn rate × budget) is 100% or more
 * would need more slow stays than there are stays: it is left out rather than written as a rule
 * that can never fire.
 */
export function tiersFor(ctx: RuleContext, slo: Slo): ResolvedTier[] {
  return ctx.options.burnRateTiers.filter((t) => t.burnRate * errorBudget(slo) < 1);
}

/** The alert a tier raises: paging tiers are the fast burn, ticket tiers the slow burn. */
export function burnAlertName(tier: ResolvedTier): string {
  return tier.severity === 'page' ? ALERT_NAMES.sloFastBurn : ALERT_NAMES.sloSlowBurn;
}

/** Recorded SLI over `window`, by state (level:metric:operations naming). */
export function errorRatioRecord(window: number): string {
  return `state:${METRICS.stateDuration}:over_slo_ratio_rate${promDuration(window)}`;
}

/** Recorded number of stays that ended over `window`, by state: the volume guard. */
export function staysRecord(window: number): string {
  return `state:${METRICS.stateDuration}_count:increase${promDuration(window)}`;
}

const sortedUnique = (values: number[]) => [...new Set(values)].sort((a, b) => a - b);

/** The recording rules of one SLO: the error ratio over every window its tiers use, and the stays over each long window. */
export function sloRecordingRules(ctx: RuleContext, slo: Slo): RecordingRule[] {
  const tiers = tiersFor(ctx, slo);
  const matchers = { job: { re: ctx.options.trackerJob }, state: slo.state };
  // Matched by value, as Prometheus 2 and 3 each spell it: the rules work on both.
  const within = { ...matchers, le: leMatcher(slo.withinSeconds) };
  /** A series of the histogram net of its retracted twin, `f` over window `w`; the record adds the state label back. */
  const net = (suffix: string, m: typeof matchers, fn: string, w: number) =>
    netSum(selector(`${METRICS.stateDuration}${suffix}`, m), selector(`${METRICS.stateDurationRetracted}${suffix}`, m), (s) => `${fn}(${s}[${promDuration(w)}])`);
  const ratios = sortedUnique(tiers.flatMap((t) => [t.longWindow, t.shortWindow])).map((w) => ({
    record: errorRatioRecord(w),
    expr: `1 - (\n  ${net('_bucket', within, 'rate', w)}\n  /\n  ${net('_count', matchers, 'rate', w)}\n)`,
    labels: { state: slo.state },
  }));
  const volumes = sortedUnique(tiers.map((t) => t.longWindow)).map((w) => ({
    record: staysRecord(w),
    expr: net('_count', matchers, 'increase', w),
    labels: { state: slo.state },
  }));
  return [...ratios, ...volumes];
}

/** What a burn alert's text shows of the firing series: the error ratio over the long window. */
export interface BurnValues {
  readonly ratio: string;
}

/** The Go templates a burn rule's annotations hold. */
export const BURN_TEMPLATES: BurnValues = { ratio: '{{ $value | humanizePercentage }}' };

/** Labels of a burn alert: which tier fired is told by its long window. */
export function burnLabels(ctx: RuleContext, state: StateDef, tier: ResolvedTier): AlertingRule['labels'] {
  return { severity: tier.severity, pipeline: ctx.options.pipeline, state: state.name, system: state.system, window: promDuration(tier.longWindow) };
}

/**
 * One tier of one SLO: both windows burn faster than the tier's rate, and enough stays ended in the
 * long window for the ratio to mean something (`sloMinStays`: three slow orders at night are not a
 * page).
 */
export function sloBurnRule(ctx: RuleContext, slo: Slo, tier: ResolvedTier): AlertingRule {
  const state = ctx.model.state(slo.state)!;
  const threshold = `(${tier.burnRate} * ${promNumber(errorBudget(slo))})`;
  const at = `{state="${slo.state}"}`;
  return {
    alert: burnAlertName(tier),
    expr:
      `${errorRatioRecord(tier.longWindow)}${at} > ${threshold}\n` +
      `and\n${errorRatioRecord(tier.shortWindow)}${at} > ${threshold}\n` +
      `and\n${staysRecord(tier.longWindow)}${at} >= ${ctx.options.sloMinStays}`,
    for: promDuration(tier.for),
    labels: burnLabels(ctx, state, tier),
    annotations: sloBurnAnnotations(ctx, slo, tier, BURN_TEMPLATES),
  };
}

const percent = (fraction: number) => `${promNumber(fraction * 100)}%`;

/** The annotations of {@link sloBurnRule}, with `v` in place of the firing series' values. */
export function sloBurnAnnotations(ctx: RuleContext, slo: Slo, tier: ResolvedTier, v: BurnValues): Record<string, string> {
  const state = ctx.model.state(slo.state)!;
  const s = slo.state;
  const title = stateText(ctx.model, s);
  const threshold = formatDuration(slo.withinSeconds);
  const long = promDuration(tier.longWindow);
  const period = ctx.options.sloPeriod;
  return {
    summary: `${title} SLO burning ${tier.burnRate}x: ${v.ratio} of stays in ${title} took longer than ${threshold} over the last ${long}`,
    description:
      `SLO: ${percent(slo.objective)} of orders leave ${title} (owned by ${state.system}) within ${threshold}. ` +
      `Over the last ${long} ${v.ratio} of the stays that ended took longer, and over the last ${promDuration(tier.shortWindow)} too: ` +
      `${tier.burnRate}x the error budget of ${percent(errorBudget(slo))}; at this rate the ${formatDuration(period)} budget is spent in ${formatDuration(period / tier.burnRate)}. ` +
      `The orders stuck in ${title} now: ${trackerUrl(ctx, '/stuck', { state: s })}; every order in ${title}: GET ${trackerUrl(ctx, '/v1/orders', { state: s })}.`,
    orders_url: trackerUrl(ctx, '/stuck', { state: s }),
    runbook_url: runbookUrl(ctx, burnAlertName(tier)),
  };
}

/**
 * OrderSLONoData: the SLI of a state is missing while the tracker is up. It happens when the
 * tracker's buckets (from the model it runs with) lack this SLO's threshold, i.e. the rules were
 * generated from another model; the burn alerts would then stay silent for ever.
 */
export function sloNoDataRule(ctx: RuleContext, slo: Slo): AlertingRule {
  const state = ctx.model.state(slo.state)!;
  const shortest = Math.min(...tiersFor(ctx, slo).map((t) => t.shortWindow));
  const up = selector('up', { job: { re: ctx.options.trackerJob } });
  return {
    alert: ALERT_NAMES.sloNoData,
    expr: `absent(${errorRatioRecord(shortest)}{state="${slo.state}"})\nand on ()\n(max(${up}) == 1)`,
    for: promDuration(ctx.options.sloNoDataFor),
    labels: { severity: 'ticket', pipeline: ctx.options.pipeline, state: state.name, system: state.system },
    annotations: sloNoDataAnnotations(ctx, slo, shortest),
  };
}

function sloNoDataAnnotations(ctx: RuleContext, slo: Slo, window: number): Record<string, string> {
  const s = slo.state;
  const job = ctx.options.trackerJob;
  return {
    summary: `No SLI for ${s}: the tracker exports no time-in-state bucket le="${leValue(slo.withinSeconds)}" for it`,
    description:
      `${errorRatioRecord(window)}{state="${s}"} is absent although job ${job} is up: Prometheus gets no ` +
      `${selector(`${METRICS.stateDuration}_bucket`, { state: s, le: leMatcher(slo.withinSeconds) })} (or its _count), so the ${s} SLO is not evaluated and cannot page. ` +
      `The tracker's bucket bounds come from the process model it runs with, these rules from the model they were generated from: ` +
      `run the tracker with the same model (orderscope model check), regenerate with orderscope generate, and check the scrape config of job ${job}.`,
    runbook_url: runbookUrl(ctx, ALERT_NAMES.sloNoData),
  };
}

/** The rule group of one SLO, recording rules first so that its alerts read this evaluation's values. */
export function sloGroup(ctx: RuleContext, slo: Slo): RuleGroup | undefined {
  const tiers = tiersFor(ctx, slo);
  if (tiers.length === 0) return undefined;
  return {
    name: `orderscope-slo-${slo.state}`,
    rules: [...sloRecordingRules(ctx, slo), ...tiers.map((t) => sloBurnRule(ctx, slo, t)), sloNoDataRule(ctx, slo)],
  };
}

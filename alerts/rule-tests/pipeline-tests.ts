import { formatDuration } from '../../common';
import { METRICS } from '../metric-names';
import { leValue } from '../promql';
import {
  applyLagAnnotations,
  applyLagRule,
  collectorDownRule,
  consumerLagAnnotations,
  consumerLagRule,
  rejectedEventsAnnotations,
  rejectedEventsRule,
  trackerDownRule,
} from '../rules/pipeline-alerts';
import type { AlertingRule, RuleContext } from '../rules/types';
import { humanizeDuration, humanizePercentage, printfWhole } from './go-format';
import { alertTest, flat, ramp, series, stepAt, stepsOf } from './series';
import type { ExpectedAlert, InputSeries, TestGroup } from './types';

const firingAs = (rule: AlertingRule, labels: Record<string, string> = {}, annotations = rule.annotations): ExpectedAlert => ({
  exp_labels: { ...rule.labels, ...labels },
  exp_annotations: annotations,
});

/** TrackerDown and CollectorDown: pending, then paging when every target of the job is down, and when the job has no target at all. */
function downTests(ctx: RuleContext): TestGroup[] {
  const { trackerJob, collectorJob, downFor, evaluationInterval: I } = ctx.options;
  const start = 3;
  const forSteps = stepsOf(downFor, I);
  const last = start + forSteps + 3;
  const tracker = trackerDownRule(ctx);
  const collector = collectorDownRule(ctx);
  const up = (instance: string, job: string, values: string) => series('up', { instance, job }, values);
  const interval = formatDuration(I);
  const none: TestGroup = {
    name: 'TrackerDown, CollectorDown: Prometheus scrapes no target of either job: both page',
    interval,
    input_series: [up('other-1', 'other', flat(1, last))],
    alert_rule_test: [alertTest(forSteps + 2, I, tracker.alert, [firingAs(tracker)]), alertTest(forSteps + 2, I, collector.alert, [firingAs(collector)])],
  };
  if (trackerJob === collectorJob) {
    // Embedded mode: one process, one job; its being down is both alerts.
    return [
      none,
      {
        name: `TrackerDown, CollectorDown: job ${trackerJob} (collector and tracker in one process) is down`,
        interval,
        input_series: [up('orderscope-1', trackerJob, stepAt(start, last, 1, 0))],
        alert_rule_test: [
          alertTest(start + forSteps - 1, I, tracker.alert, []),
          alertTest(start + forSteps + 1, I, tracker.alert, [firingAs(tracker, { job: trackerJob })]),
          alertTest(start + forSteps + 1, I, collector.alert, [firingAs(collector, { job: collectorJob })]),
        ],
      },
    ];
  }
  const downGroup = (down: AlertingRule, downJob: string, other: AlertingRule, otherJob: string): TestGroup => ({
    name: `${down.alert}: every target of job ${downJob} is down for ${formatDuration(downFor)}: page; ${other.alert} stays silent`,
    interval,
    input_series: [up(`${downJob}-1`, downJob, stepAt(start, last, 1, 0)), up(`${downJob}-2`, downJob, stepAt(start, last, 1, 0)), up(`${otherJob}-1`, otherJob, flat(1, last))],
    alert_rule_test: [
      alertTest(start + forSteps - 1, I, down.alert, []),
      alertTest(start + forSteps + 1, I, down.alert, [firingAs(down, { job: downJob })]),
      alertTest(start + forSteps + 1, I, other.alert, []),
    ],
  });
  return [
    {
      name: 'TrackerDown, CollectorDown: one tracker replica of two is down: no page (the group rebalances)',
      interval,
      input_series: [up(`${trackerJob}-1`, trackerJob, stepAt(start, last, 1, 0)), up(`${trackerJob}-2`, trackerJob, flat(1, last)), up(`${collectorJob}-1`, collectorJob, flat(1, last))],
      alert_rule_test: [alertTest(last, I, tracker.alert, []), alertTest(last, I, collector.alert, [])],
    },
    downGroup(tracker, trackerJob, collector, collectorJob),
    downGroup(collector, collectorJob, tracker, trackerJob),
    none,
  ];
}

/** ApplyLagHigh: every event applied between the threshold and twice it: the quantile lands above the threshold. */
function applyLagTests(ctx: RuleContext): TestGroup[] {
  const { applyLagThreshold: threshold, applyLagQuantile: q, applyLagFor, trackerJob: job, evaluationInterval: I } = ctx.options;
  const atStep = stepsOf(applyLagFor, I) + 4;
  // histogram_quantile interpolates inside the bucket; keep the result off a whole second, where
  // float noise could tip humanizeDuration's truncation either way.
  let upper = 2 * threshold;
  let lag = threshold + (upper - threshold) * q;
  if (lag >= 1 && Math.abs(lag - Math.round(lag)) < 0.01) {
    upper += 1;
    lag = threshold + (upper - threshold) * q;
  }
  const bucket = (le: string, values: string) => series(`${METRICS.applyLag}_bucket`, { instance: 'tracker-1', job, le }, values);
  const rule = applyLagRule(ctx);
  const group = (name: string, belowThreshold: number): TestGroup => ({
    name,
    interval: formatDuration(I),
    input_series: [bucket(leValue(threshold), ramp(belowThreshold, atStep)), bucket(leValue(upper), ramp(100, atStep)), bucket('+Inf', ramp(100, atStep))],
    alert_rule_test: [alertTest(atStep, I, rule.alert, belowThreshold === 100 ? [] : [firingAs(rule, {}, applyLagAnnotations(ctx, { lag: humanizeDuration(lag) }))])],
  });
  return [
    group(`ApplyLagHigh: events applied later than ${formatDuration(threshold)}: a ticket with the lag`, 0),
    group(`ApplyLagHigh: events applied within ${formatDuration(threshold)}: silent`, 100),
  ];
}

/** RejectedEventsHigh: one reason over the threshold opens a ticket for that reason only; a trickle of events does not. */
function rejectedTests(ctx: RuleContext): TestGroup[] {
  const { rejectedRatio, rejectedMinEvents, rejectedFor, rejectedWindow, collectorJob: job, evaluationInterval: I } = ctx.options;
  const atStep = stepsOf(rejectedFor, I) + 4;
  const perStep = Math.max(1000, rejectedMinEvents);
  const share = Math.min(0.5, rejectedRatio * 2);
  const labels = { instance: 'collector-1', job };
  const input = (accepted: string, invalidState: string): InputSeries[] => [
    series(METRICS.eventsAccepted, labels, accepted),
    series(METRICS.eventsRejected, { ...labels, reason: 'invalid_state' }, invalidState),
    series(METRICS.eventsRejected, { ...labels, reason: 'rate_limited' }, flat(0, atStep)),
  ];
  const rule = rejectedEventsRule(ctx);
  const groups: TestGroup[] = [
    {
      name: `RejectedEventsHigh: ${humanizePercentage(share)} of events rejected as invalid_state: a ticket for that reason only`,
      interval: formatDuration(I),
      input_series: input(ramp(perStep * (1 - share), atStep), ramp(perStep * share, atStep)),
      alert_rule_test: [
        alertTest(atStep, I, rule.alert, [
          firingAs(rule, { reason: 'invalid_state' }, rejectedEventsAnnotations(ctx, { ratio: humanizePercentage(share), reason: 'invalid_state' })),
        ]),
      ],
    },
    {
      name: 'RejectedEventsHigh: 0.1% of events rejected: silent',
      interval: formatDuration(I),
      input_series: input(ramp(999, atStep), ramp(1, atStep)),
      alert_rule_test: [alertTest(atStep, I, rule.alert, [])],
    },
  ];
  if (rejectedMinEvents > 0) {
    const perStepTrickle = Number((rejectedMinEvents / (2 * (stepsOf(rejectedWindow, I) + 1))).toPrecision(6));
    groups.push({
      name: `RejectedEventsHigh: every event rejected, but fewer than ${rejectedMinEvents} posted in ${formatDuration(rejectedWindow)}: silent (volume guard)`,
      interval: formatDuration(I),
      input_series: input(flat(0, atStep), ramp(perStepTrickle, atStep)),
      alert_rule_test: [alertTest(atStep, I, rule.alert, [])],
    });
  }
  return groups;
}

/** KafkaConsumerLagGrowing: pages on a lag above the minimum that keeps growing; not on a high steady lag, nor on a small growing one. */
function consumerLagTests(ctx: RuleContext): TestGroup[] {
  const { consumerLagMinMessages: min, consumerLagFor, trackerJob: job, evaluationInterval: I } = ctx.options;
  const atStep = stepsOf(consumerLagFor, I) + 4;
  const rule = consumerLagRule(ctx);
  const lag = (values: string) => [series(METRICS.consumerLag, { instance: 'tracker-1', job }, values)];
  const group = (name: string, values: string, expected: ExpectedAlert[]): TestGroup => ({
    name,
    interval: formatDuration(I),
    input_series: lag(values),
    alert_rule_test: [alertTest(atStep, I, rule.alert, expected)],
  });
  const groups = [
    group(`KafkaConsumerLagGrowing: lag above ${min} messages and growing: page`, ramp(100, atStep, min + 1), [
      firingAs(rule, {}, consumerLagAnnotations(ctx, { messages: printfWhole(min + 1 + 100 * atStep) })),
    ]),
    group('KafkaConsumerLagGrowing: high lag that does not grow: silent', flat(2 * min + 1000, atStep), []),
  ];
  if (min > 0) {
    const perStep = Number((min / (2 * (atStep + 1))).toPrecision(6));
    groups.push(group(`KafkaConsumerLagGrowing: growing lag below ${min} messages: silent`, ramp(perStep, atStep), []));
  }
  return groups;
}

/** Every test of the pipeline alerts. */
export function pipelineTests(ctx: RuleContext): TestGroup[] {
  return [...downTests(ctx), ...applyLagTests(ctx), ...rejectedTests(ctx), ...consumerLagTests(ctx)];
}


import { formatDuration } from '../../common';
import { METRICS } from '../metric-names';
import { leValue } from '../promql';
import {
  applyLagAnnotations,
  applyLagRule,
  collectorDownRule,
  consumerLagAnnotations,
  consumerLagRule,
  deadLetteredAnnotations,
  deadLetteredRule,
  redrivesFailingAnnotations,
  redrivesFailingRule,
  partitionUnownedAnnotations,
  partitionUnownedRule,
  type PartitionValues,
  heartbeatStaleAnnotations,
  heartbeatStaleRule,
  rejectedEventsAnnotations,
  rejectedEventsRule,
  trackerDownRule,
  trackingLaggingAnnotations,
  trackingLaggingRule,
  trackingStalledAnnotations,
  trackingStalledRule,
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

/**
 * KafkaConsumerLagGrowing: pages on a lag above the minimum that keeps growing; not on a high steady lag, nor on a small growing one.
 * Two replicas export the same value, as their lag monitors do: the alert reports it once, not doubled.
 */
function consumerLagTests(ctx: RuleContext): TestGroup[] {
  const { consumerLagMinMessages: min, consumerLagFor, trackerJob: job, evaluationInterval: I } = ctx.options;
  const atStep = stepsOf(consumerLagFor, I) + 4;
  const rule = consumerLagRule(ctx);
  const lag = (values: string) => ['tracker-1', 'tracker-2'].map((instance) => series(METRICS.consumerLag, { instance, job, topic: 'order-events', partition: '0' }, values));
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

/**
 * OrderRedrivesFailing: failed redrives of orders in two states at step 6, by two tracker replicas: a
 * ticket per state at once, resolved once the window has passed; redrives that were done never open one.
 */
function redrivesFailingTests(ctx: RuleContext): TestGroup[] {
  const { redriveFailedWindow, trackerJob: job, evaluationInterval: I } = ctx.options;
  const rule = redrivesFailingRule(ctx);
  const at = 6;
  const resolved = at + stepsOf(redriveFailedWindow, I) + 2;
  const last = resolved + 2;
  const counter = (instance: string, state: string, result: string, values: string) => series(METRICS.redrives, { instance, job, state, result }, values);
  const ticket = (state: string, count: number) => firingAs(rule, { state }, redrivesFailingAnnotations(ctx, { count: printfWhole(count), state }));
  return [
    {
      name: `OrderRedrivesFailing: failed redrives open a ticket per state at once, counting every replica, resolved ${formatDuration(redriveFailedWindow)} later; done ones never do`,
      interval: formatDuration(I),
      input_series: [
        counter('tracker-1', 'placed', 'failed', stepAt(at, last, 0, 2)),
        counter('tracker-2', 'placed', 'failed', stepAt(at, last, 0, 1)),
        counter('tracker-2', 'pricing', 'failed', stepAt(at, last, 0, 1)),
        counter('tracker-1', 'pricing', 'done', stepAt(at, last, 0, 5)),
        counter('tracker-1', 'quoted', 'failed', flat(0, last)),
      ],
      alert_rule_test: [
        alertTest(at - 2, I, rule.alert, []),
        alertTest(at + 2, I, rule.alert, [ticket('placed', 3), ticket('pricing', 1)]),
        alertTest(resolved, I, rule.alert, []),
      ],
    },
  ];
}

/**
 * OrderEventsDeadLettered: events set aside at step 6, by two tracker replicas, for two reasons: a
 * ticket per reason at once, counting what both replicas set aside, resolved once the window has
 * passed. Counters at 0 that stay there (also one that appears late, and one that a restart takes
 * back to 0) never open one.
 */
function deadLetteredTests(ctx: RuleContext): TestGroup[] {
  const { deadLetterWindow, trackerJob: job, evaluationInterval: I } = ctx.options;
  const rule = deadLetteredRule(ctx);
  const at = 6;
  const resolved = at + stepsOf(deadLetterWindow, I) + 2;
  const last = resolved + 2;
  const counter = (instance: string, reason: string, values: string) => series(METRICS.deadLetters, { instance, job, reason }, values);
  const ticket = (reason: string, count: number) => firingAs(rule, { reason }, deadLetteredAnnotations(ctx, { count: printfWhole(count), reason }));
  return [
    {
      name: `OrderEventsDeadLettered: events set aside open a ticket per reason at once, with the count of every replica, resolved ${formatDuration(deadLetterWindow)} later`,
      interval: formatDuration(I),
      input_series: [
        counter('tracker-1', 'data_exception', stepAt(at, last, 0, 2)),
        counter('tracker-2', 'data_exception', stepAt(at, last, 0, 1)),
        counter('tracker-1', 'not_json', flat(0, last)),
        counter('tracker-2', 'not_json', stepAt(at, last, 0, 1)),
        counter('tracker-1', 'constraint_violation', flat(0, last)),
        counter('tracker-2', 'constraint_violation', flat(0, last)),
      ],
      alert_rule_test: [
        alertTest(at - 2, I, rule.alert, []),
        alertTest(at + 2, I, rule.alert, [ticket('data_exception', 3), ticket('not_json', 1)]),
        alertTest(resolved, I, rule.alert, []),
      ],
    },
    {
      name: 'OrderEventsDeadLettered: counters at 0 that stay there (from the start, appearing later, or back at 0 after a restart): silent',
      interval: formatDuration(I),
      input_series: [
        counter('tracker-1', 'data_exception', flat(0, last)),
        // A replica that starts late: its series appear at 0.
        counter('tracker-2', 'data_exception', `_x${at} ${flat(0, last - at)}`),
        // A replica that restarts: its counter goes back to 0, which increase() takes as a reset, not a decrease.
        counter('tracker-1', 'apply_failed', stepAt(at, last, 2, 0)),
      ],
      alert_rule_test: [alertTest(at - 2, I, rule.alert, []), alertTest(at + 2, I, rule.alert, []), alertTest(last, I, rule.alert, [])],
    },
  ];
}

const PARTITION_STATUSES = ['ok', 'stalled', 'lagging', 'rewound', 'unowned'] as const;

/**
 * TrackingStalled, TrackingLagging, PartitionUnowned: two tracker replicas export the same group-wide
 * values (as their lag monitors do). Partition 1 enters `status` at step 3 with 500 messages of lag:
 * one alert for it, with its lag (not summed over the replicas), once `for` has passed. Partition 0 is
 * quiet (no lag, ok) and partition 2 has a steady lag and is ok: both silent.
 */
function partitionStatusTests(
  ctx: RuleContext,
  rule: AlertingRule,
  status: (typeof PARTITION_STATUSES)[number],
  forSeconds: number,
  annotations: (ctx: RuleContext, v: PartitionValues) => Record<string, string>,
): TestGroup[] {
  const { trackerJob: job, evaluationInterval: I } = ctx.options;
  const topic = 'order-events';
  const at = 3;
  const fires = at + stepsOf(forSeconds, I) + 1;
  const last = fires + 2;
  const input: InputSeries[] = [];
  for (const instance of ['tracker-1', 'tracker-2']) {
    const labels = (partition: string) => ({ instance, job, topic, partition });
    input.push(series(METRICS.consumerLag, labels('0'), flat(0, last)));
    input.push(series(METRICS.consumerLag, labels('1'), flat(500, last)));
    input.push(series(METRICS.consumerLag, labels('2'), flat(40, last)));
    for (const s of PARTITION_STATUSES) {
      const ok = s === 'ok' ? 1 : 0;
      input.push(series(METRICS.partitionStatus, { ...labels('0'), status: s }, flat(ok, last)));
      input.push(series(METRICS.partitionStatus, { ...labels('1'), status: s }, stepAt(at, last, ok, s === status ? 1 : 0)));
      input.push(series(METRICS.partitionStatus, { ...labels('2'), status: s }, flat(ok, last)));
    }
  }
  const firing = firingAs(rule, { topic, partition: '1' }, annotations(ctx, { topic, partition: '1', messages: '500' }));
  return [
    {
      name: `${rule.alert}: a partition ${status} for ${formatDuration(forSeconds)}: one alert for it, with its lag; a quiet partition and one with a steady lag: silent`,
      interval: formatDuration(I),
      input_series: input,
      alert_rule_test: [alertTest(at - 1, I, rule.alert, []), alertTest(fires, I, rule.alert, [firing])],
    },
  ];
}

/**
 * TrackingHeartbeatStale: heartbeats of partitions 0 and 1 are applied every step (the gauge is the
 * evaluation time) until partition 0's stop at step 4. Partition 0 pages once its newest heartbeat
 * is older than the threshold, with its age; partition 1, whose heartbeats keep coming (on another
 * replica after a rebalance, while the first one keeps its old value), stays silent.
 */
function heartbeatStaleTests(ctx: RuleContext): TestGroup[] {
  const { heartbeatStaleAfter: stale, trackerJob: job, evaluationInterval: I } = ctx.options;
  const rule = heartbeatStaleRule(ctx);
  const stop = 4;
  const firing = stop + stepsOf(stale, I) + 1;
  const last = firing + 2;
  const gauge = (instance: string, partition: string, values: string) => series(METRICS.heartbeatLastApplied, { instance, job, partition }, values);
  const stopsAt = (step: number) => `${ramp(I, step)} ${flat(step * I, last - step - 1)}`;
  return [
    {
      name: `TrackingHeartbeatStale: a partition whose newest heartbeat is older than ${formatDuration(stale)} pages with its age; one whose heartbeats keep coming stays silent`,
      interval: formatDuration(I),
      input_series: [gauge('tracker-1', '0', stopsAt(stop)), gauge('tracker-1', '1', stopsAt(stop)), gauge('tracker-2', '1', ramp(I, last))],
      alert_rule_test: [
        alertTest(stop + Math.floor(stale / I), I, rule.alert, []),
        alertTest(firing, I, rule.alert, [
          firingAs(rule, { partition: '0' }, heartbeatStaleAnnotations(ctx, { age: humanizeDuration((firing - stop) * I), partition: '0' })),
        ]),
      ],
    },
    {
      name: 'TrackingHeartbeatStale: heartbeats applied on every partition all along: silent',
      interval: formatDuration(I),
      input_series: [gauge('tracker-1', '0', ramp(I, last)), gauge('tracker-1', '1', ramp(I, last)), gauge('tracker-1', '2', ramp(I, last))],
      alert_rule_test: [alertTest(firing, I, rule.alert, []), alertTest(last, I, rule.alert, [])],
    },
  ];
}

/** Every test of the pipeline alerts. */
export function pipelineTests(ctx: RuleContext): TestGroup[] {
  return [
    ...downTests(ctx),
    ...applyLagTests(ctx),
    ...rejectedTests(ctx),
    ...consumerLagTests(ctx),
    ...deadLetteredTests(ctx),
    ...redrivesFailingTests(ctx),
    ...partitionStatusTests(ctx, trackingStalledRule(ctx), 'stalled', ctx.options.trackingStalledFor, trackingStalledAnnotations),
    ...partitionStatusTests(ctx, trackingLaggingRule(ctx), 'lagging', ctx.options.trackingLaggingFor, trackingLaggingAnnotations),
    ...partitionStatusTests(ctx, partitionUnownedRule(ctx), 'unowned', ctx.options.partitionUnownedFor, partitionUnownedAnnotations),
    ...heartbeatStaleTests(ctx),
  ];
}


import { METRICS } from '../metric-names';
import { promDuration, promNumber, selector } from '../promql';
import { runbookUrl, trackerUrl } from './text';
import { ALERT_NAMES, type AlertingRule, type RuleContext, type RuleGroup } from './types';

/*
 * Alerts on the tracking pipeline itself. TrackerDown, CollectorDown, KafkaConsumerLagGrowing,
 * TrackingStalled and PartitionUnowned page: while they fire, order alerts are unreliable and Alertmanager inhibits them
 * (alertmanager.ts), so these pages stand in for them.
 */

const INHIBITED = 'OrderLost, OrdersStuck and SLO burn alerts are inhibited meanwhile, so this page stands for them.';

function downRule(ctx: RuleContext, alert: string, job: string, summary: string, consequence: string): AlertingRule {
  const up = selector('up', { job: { re: job } });
  return {
    alert,
    // absent(): a scrape config that lost the job must not look like a healthy pipeline.
    expr: `max by (job) (${up}) == 0\nor\nabsent(${up})`,
    for: promDuration(ctx.options.downFor),
    labels: { severity: 'page', pipeline: ctx.options.pipeline },
    annotations: {
      summary,
      description: `No target of job ${job} has been up for ${promDuration(ctx.options.downFor)} (or Prometheus has none). ${consequence}`,
      runbook_url: runbookUrl(ctx, alert),
    },
  };
}

/** TrackerDown: every target of the tracker's job is down, or there is none. */
export function trackerDownRule(ctx: RuleContext): AlertingRule {
  return downRule(
    ctx,
    ALERT_NAMES.trackerDown,
    ctx.options.trackerJob,
    `Tracker down: no target of job ${ctx.options.trackerJob} is up`,
    'No event is applied: order states, time in state and lost-order detection stop and dashboards go stale. ' +
      `Events wait in Kafka and are applied when the tracker is back. ${INHIBITED} ` +
      'Check the tracker process and its logs, GET /readyz (database, bus), and PostgreSQL.',
  );
}

/** CollectorDown: every target of the collector's job is down, or there is none. */
export function collectorDownRule(ctx: RuleContext): AlertingRule {
  return downRule(
    ctx,
    ALERT_NAMES.collectorDown,
    ctx.options.collectorJob,
    `Collector down: no target of job ${ctx.options.collectorJob} is up`,
    'Agents cannot post order events: they retry and spool them until the collector is back, and meanwhile orders look stuck or lost to the tracker. ' +
      `${INHIBITED} Check the collector process and its logs, GET /readyz (bus), and Kafka.`,
  );
}

/** What an ApplyLagHigh alert's text shows of the firing series. */
export interface LagValues {
  readonly lag: string;
}

/** The Go templates an ApplyLagHigh rule's annotations hold. */
export const APPLY_LAG_TEMPLATES: LagValues = { lag: '{{ $value | humanizeDuration }}' };

/** ApplyLagHigh: a quantile of the time from occurred_at to apply stays above the threshold. */
export function applyLagRule(ctx: RuleContext): AlertingRule {
  const o = ctx.options;
  const bucket = selector(`${METRICS.applyLag}_bucket`, { job: { re: o.trackerJob } });
  return {
    alert: ALERT_NAMES.applyLagHigh,
    expr: `histogram_quantile(${o.applyLagQuantile}, sum by (le) (rate(${bucket}[${promDuration(o.applyLagWindow)}]))) > ${promNumber(o.applyLagThreshold)}`,
    for: promDuration(o.applyLagFor),
    labels: { severity: 'ticket', pipeline: o.pipeline },
    annotations: applyLagAnnotations(ctx, APPLY_LAG_TEMPLATES),
  };
}

/** The annotations of {@link applyLagRule}, with `v` in place of the firing series' values. */
export function applyLagAnnotations(ctx: RuleContext, v: LagValues): Record<string, string> {
  const o = ctx.options;
  const q = `p${promNumber(o.applyLagQuantile * 100)}`;
  return {
    summary: `The tracker applies events ${v.lag} after they happened (${q})`,
    description:
      `The ${q} of the time from an event's occurred_at to its apply by the tracker, over ${promDuration(o.applyLagWindow)}, is ${v.lag}: ` +
      `above ${promDuration(o.applyLagThreshold)} for ${promDuration(o.applyLagFor)}. Order states and lost-order detection run that far behind. ` +
      'Causes: the tracker is slow (batch apply duration, PostgreSQL), its consumer group lags (KafkaConsumerLagGrowing), ' +
      'or agents deliver late (spooled events after an outage; replaying old events raises it too, harmlessly).',
    runbook_url: runbookUrl(ctx, ALERT_NAMES.applyLagHigh),
  };
}

/** What a RejectedEventsHigh alert's text shows of the firing series. */
export interface RejectedValues {
  readonly ratio: string;
  readonly reason: string;
}

/** The Go templates a RejectedEventsHigh rule's annotations hold. */
export const REJECTED_TEMPLATES: RejectedValues = { ratio: '{{ $value | humanizePercentage }}', reason: '{{ $labels.reason }}' };

/**
 * RejectedEventsHigh: one rejection reason's share of all events posted (accepted + rejected),
 * per reason so that the ticket says what to fix; with a volume guard, since two bad events out
 * of ten at night are not a trend.
 */
export function rejectedEventsRule(ctx: RuleContext): AlertingRule {
  const o = ctx.options;
  const w = promDuration(o.rejectedWindow);
  const job = { job: { re: o.collectorJob } };
  const accepted = selector(METRICS.eventsAccepted, job);
  const rejected = selector(METRICS.eventsRejected, job);
  return {
    alert: ALERT_NAMES.rejectedEventsHigh,
    expr:
      `sum by (reason) (rate(${rejected}[${w}]))\n  / on () group_left ()\n` +
      `(sum(rate(${accepted}[${w}])) + sum(rate(${rejected}[${w}])))\n  > ${promNumber(o.rejectedRatio)}\n` +
      `and on ()\n(sum(increase(${accepted}[${w}])) + sum(increase(${rejected}[${w}]))) >= ${o.rejectedMinEvents}`,
    for: promDuration(o.rejectedFor),
    labels: { severity: 'ticket', pipeline: o.pipeline },
    annotations: rejectedEventsAnnotations(ctx, REJECTED_TEMPLATES),
  };
}

/** The annotations of {@link rejectedEventsRule}, with `v` in place of the firing series' values. */
export function rejectedEventsAnnotations(ctx: RuleContext, v: RejectedValues): Record<string, string> {
  const o = ctx.options;
  return {
    summary: `${v.ratio} of the events posted to the collector are rejected (${v.reason})`,
    description:
      `Over the last ${promDuration(o.rejectedWindow)}, ${v.ratio} of the events posted to the collector were rejected with reason ${v.reason} ` +
      `(threshold ${promNumber(o.rejectedRatio * 100)}%, for ${promDuration(o.rejectedFor)}). Rejected events are not tracked: their orders will look stuck or lost. ` +
      'invalid_* and unknown_field: a source sends events that break the contract (events/order-event.schema.json), e.g. an order id with spaces or a state on two lines (a state the model does not know is accepted and flagged unknown_state by the tracker); ' +
      'forbidden_source: a token posts for a source it may not; rate_limited: a client exceeds its rate limit; ' +
      "bus_unavailable: Kafka did not acknowledge in time (clients retry). The collector's 202 answer lists each rejected event's index and error.",
    runbook_url: runbookUrl(ctx, ALERT_NAMES.rejectedEventsHigh),
  };
}

/** What a KafkaConsumerLagGrowing alert's text shows of the firing series. */
export interface ConsumerLagValues {
  readonly messages: string;
}

/** The Go templates a KafkaConsumerLagGrowing rule's annotations hold. */
export const CONSUMER_LAG_TEMPLATES: ConsumerLagValues = { messages: '{{ $value | printf "%.0f" }}' };

/**
 * KafkaConsumerLagGrowing: the tracker's consumer group is behind and falling further behind.
 * Summed over the partitions (each exported by the replica that owns it); the lag comes first in
 * the expression so that `$value` is the lag, not its slope.
 */
export function consumerLagRule(ctx: RuleContext): AlertingRule {
  const o = ctx.options;
  const lag = selector(METRICS.consumerLag, { job: { re: o.trackerJob } });
  return {
    alert: ALERT_NAMES.consumerLagGrowing,
    // Every replica's lag monitor exports the same group-wide values: max folds the replicas, sum the partitions.
    expr: `sum(max by (topic, partition) (${lag})) > ${o.consumerLagMinMessages}\nand\nsum(max by (topic, partition) (deriv(${lag}[${promDuration(o.consumerLagWindow)}]))) > 0`,
    for: promDuration(o.consumerLagFor),
    labels: { severity: 'page', pipeline: o.pipeline },
    annotations: consumerLagAnnotations(ctx, CONSUMER_LAG_TEMPLATES),
  };
}

/** The annotations of {@link consumerLagRule}, with `v` in place of the firing series' values. */
export function consumerLagAnnotations(ctx: RuleContext, v: ConsumerLagValues): Record<string, string> {
  const o = ctx.options;
  return {
    summary: `The tracker falls behind: ${v.messages} order events not consumed yet, and growing`,
    description:
      `The tracker's consumer group is ${v.messages} messages behind the order-event topic and the lag has grown over ${promDuration(o.consumerLagWindow)} ` +
      `for ${promDuration(o.consumerLagFor)}. Order states, time in state and lost-order detection run behind; ${INHIBITED} ` +
      'Check the tracker (ApplyLagHigh, batch apply duration, failures) and PostgreSQL, and whether the ingest rate jumped (pipeline health dashboard); ' +
      "add tracker replicas, up to the topic's partition count.",
    runbook_url: runbookUrl(ctx, ALERT_NAMES.consumerLagGrowing),
  };
}

/** What an OrderEventsDeadLettered alert's text shows of the firing series. */
export interface DeadLetteredValues {
  readonly count: string;
  readonly reason: string;
}

/** The Go templates an OrderEventsDeadLettered rule's annotations hold. */
export const DEAD_LETTERED_TEMPLATES: DeadLetteredValues = { count: '{{ $value | printf "%.0f" }}', reason: '{{ $labels.reason }}' };

/**
 * OrderEventsDeadLettered: the tracker set events aside in its dead_letters table, per reason.
 *
 * Like OrderLost, the counter's increase is an event, not a condition: no `for` (a dead letter does
 * not get better by waiting), fires at the first evaluation that sees it and resolves
 * `deadLetterWindow` after the last one. Summed over tracker replicas, since each counts the events
 * it set aside itself; every reason is exported at 0 from the start, so the first one is seen.
 *
 * A ticket, not a page: the event of one order was set aside so that the partition moves on, and
 * every other order goes on being tracked; nothing is lost (the event is kept, with its error and
 * origin) and an operator can retry it once the cause is fixed, which is office-hours work. When so
 * many events are dead-lettered that tracking as a whole suffers, their orders stop moving and
 * OrdersStuck, OrderLost and the SLO burn alerts page on their own; this ticket then says why.
 * Not inhibited by TrackerDown: a tracker that is down sets nothing aside, and one that restarts in
 * a loop still has letters worth knowing about.
 */
export function deadLetteredRule(ctx: RuleContext): AlertingRule {
  const o = ctx.options;
  const counter = selector(METRICS.deadLetters, { job: { re: o.trackerJob } });
  return {
    alert: ALERT_NAMES.deadLettered,
    expr: `sum by (reason) (increase(${counter}[${promDuration(o.deadLetterWindow)}])) > 0`,
    labels: { severity: 'ticket', pipeline: o.pipeline },
    annotations: deadLetteredAnnotations(ctx, DEAD_LETTERED_TEMPLATES),
  };
}

/** The annotations of {@link deadLetteredRule}, with `v` in place of the firing series' values. */
export function deadLetteredAnnotations(ctx: RuleContext, v: DeadLetteredValues): Record<string, string> {
  const window = promDuration(ctx.options.deadLetterWindow);
  // The reason is appended unencoded: URLSearchParams would percent-encode the Go template itself.
  // Reasons are a fixed list of snake_case words, safe in a query string as they are.
  const parked = `${trackerUrl(ctx, '/v1/dead-letters', { status: 'parked' })}&reason=${v.reason}`;
  return {
    summary: `${v.count} order event(s) dead-lettered by the tracker (${v.reason}): set aside, not applied`,
    description:
      `In the last ${window} the tracker set aside ${v.count} event(s) it cannot apply, reason ${v.reason}, in its dead_letters table, so that they do not stall their Kafka partition. ` +
      "The events beside them were applied and every other order is tracked, but each order concerned lacks that event (its state and time in state may be wrong, it may look stuck or lost) until it is retried. " +
      'Reasons: not_json and invalid_event, a producer wrote something that is not an order event to the topic; ' +
      'data_exception, PostgreSQL refused a value (e.g. a NUL byte or year 0 from an old collector); ' +
      'constraint_violation, the event breaks a constraint of the schema (often one a migration added); apply_failed, another error applying it (likely a tracker bug). ' +
      `List them: orderscope dead-letters list --reason ${v.reason} (or GET ${parked}); orderscope dead-letters show <id> gives the raw event, the error and its origin (topic, partition, offset). ` +
      `Fix the cause, then orderscope dead-letters retry <id> (or retry --all --reason ${v.reason}) with an admin token, or drop <id> for an event that must never be applied. ` +
      `This ticket resolves ${window} after the last dead letter; the dead letters stay parked until they are retried or dropped.`,
    dead_letters_url: parked,
    runbook_url: runbookUrl(ctx, ALERT_NAMES.deadLettered),
  };
}

/** What an OrderRedrivesFailing alert's text shows of the firing series. */
export interface RedrivesFailingValues {
  readonly count: string;
  readonly state: string;
}

/** The Go templates an OrderRedrivesFailing rule's annotations hold. */
export const REDRIVES_FAILING_TEMPLATES: RedrivesFailingValues = { count: '{{ $value | printf "%.0f" }}', state: '{{ $labels.state }}' };

/**
 * OrderRedrivesFailing: redrives of orders in a state (a person's or the automatic policy's) that the
 * owning system did not take: it answered an error, or could not be reached. An event, like
 * OrderEventsDeadLettered: no `for`, resolved `redriveFailedWindow` after the last one, summed over
 * tracker replicas.
 *
 * A ticket: the orders stay lost (OrderLost already paged for them) and every attempt is in their
 * audit trail with the owner's answer; what is left is to fix the owning system's endpoint, or the
 * model's redrive action, and redrive again.
 */
export function redrivesFailingRule(ctx: RuleContext): AlertingRule {
  const o = ctx.options;
  const counter = selector(METRICS.redrives, { job: { re: o.trackerJob }, result: 'failed' });
  return {
    alert: ALERT_NAMES.redrivesFailing,
    expr: `sum by (state) (increase(${counter}[${promDuration(o.redriveFailedWindow)}])) > 0`,
    labels: { severity: 'ticket', pipeline: o.pipeline },
    annotations: redrivesFailingAnnotations(ctx, REDRIVES_FAILING_TEMPLATES),
  };
}

/** The annotations of {@link redrivesFailingRule}, with `v` in place of the firing series' values. */
export function redrivesFailingAnnotations(ctx: RuleContext, v: RedrivesFailingValues): Record<string, string> {
  const window = promDuration(ctx.options.redriveFailedWindow);
  // The state is appended unencoded: it is a model state name (lower case, digits, "_", "-").
  const lost = `${trackerUrl(ctx, '/lost', {})}?state=${v.state}`;
  return {
    summary: `${v.count} redrive(s) of orders in ${v.state} failed: the owning system did not take them`,
    description:
      `In the last ${window}, ${v.count} redrive(s) of orders in ${v.state} got an error from the owning system, or could not reach it. ` +
      "Those orders are still where they were. Each attempt is in the order's timeline (GET /v1/orders/{order_id}, section redrives) with the owner's answer: " +
      "an error status (the endpoint refused: read its answer and its logs), 'cannot reach' (the system is down, or the model's URL is wrong), or 'not sent' (the token or URL variable the model names is not set on the tracker). " +
      `Fix that, then redrive again with a new Idempotency-Key (POST /v1/lost/redrive?state=${v.state}&dry_run=true first, then without dry_run). This ticket resolves ${window} after the last failed redrive.`,
    orders_url: lost,
    runbook_url: runbookUrl(ctx, ALERT_NAMES.redrivesFailing),
  };
}

/** What a TrackingStalled, TrackingLagging or PartitionUnowned alert's text shows of the firing series. */
export interface PartitionValues {
  readonly topic: string;
  readonly partition: string;
  readonly messages: string;
}

/** The Go templates the partition alerts' annotations hold. */
export const PARTITION_TEMPLATES: PartitionValues = { topic: '{{ $labels.topic }}', partition: '{{ $labels.partition }}', messages: '{{ $value | printf "%.0f" }}' };

/**
 * The partitions in `status`, each with its lag in messages as the value. Every tracker replica's lag
 * monitor exports the same group-wide values, so replicas are folded with max, never summed.
 */
function partitionsIn(ctx: RuleContext, status: string): string {
  const job = { job: { re: ctx.options.trackerJob } };
  const lag = selector(METRICS.consumerLag, job);
  const statusSeries = selector(METRICS.partitionStatus, { ...job, status });
  return `max by (topic, partition) (${lag})\nand on (topic, partition)\nmax by (topic, partition) (${statusSeries}) == 1`;
}

/**
 * TrackingStalled: a partition has lag and its committed offset has not moved for the lag monitor's
 * window (kafka.lagWindowMs), judged from the broker's offsets: its batches keep failing or its
 * consumer hangs. A page: the orders of that partition are not tracked at all. A quiet partition
 * (no lag) is never stalled. Inhibits the order alerts (alertmanager.ts): the partition's orders
 * look stuck and lost for that reason alone.
 */
export function trackingStalledRule(ctx: RuleContext): AlertingRule {
  const o = ctx.options;
  return {
    alert: ALERT_NAMES.trackingStalled,
    expr: partitionsIn(ctx, 'stalled'),
    for: promDuration(o.trackingStalledFor),
    labels: { severity: 'page', pipeline: o.pipeline },
    annotations: trackingStalledAnnotations(ctx, PARTITION_TEMPLATES),
  };
}

/** The annotations of {@link trackingStalledRule}, with `v` in place of the firing series' values. */
export function trackingStalledAnnotations(ctx: RuleContext, v: PartitionValues): Record<string, string> {
  return {
    summary: `Tracking stalled on ${v.topic} partition ${v.partition}: ${v.messages} messages wait and the committed offset does not move`,
    description:
      `The tracker's consumer group has not committed on partition ${v.partition} of ${v.topic} while ${v.messages} messages wait, for longer than the lag monitor's window (kafka.lagWindowMs) and ${promDuration(ctx.options.trackingStalledFor)} more. ` +
      `Orders keyed to that partition are not tracked: their states and times in state are frozen and they look stuck or lost. ${INHIBITED} ` +
      `Look at the tracker's logs for "the batch handler failed" with partition ${v.partition} (the error says why: PostgreSQL, a bug, a poison event), and at orderscope_bus_handler_failures_total; ` +
      'fix the cause, or restart the replica that owns the partition if its consumer hangs. orderscope_bus_partition_lag_seconds says since when.',
    runbook_url: runbookUrl(ctx, ALERT_NAMES.trackingStalled),
  };
}

/**
 * TrackingLagging: a partition's lag grew at every sample of the lag monitor's window while its
 * offset moved: consumed, but slower than it is written. A ticket: its orders are tracked late, not
 * lost; KafkaConsumerLagGrowing pages when the group as a whole falls far behind. A ticket never
 * inhibits a page, so it is not among the inhibiting alerts.
 */
export function trackingLaggingRule(ctx: RuleContext): AlertingRule {
  const o = ctx.options;
  return {
    alert: ALERT_NAMES.trackingLagging,
    expr: partitionsIn(ctx, 'lagging'),
    for: promDuration(o.trackingLaggingFor),
    labels: { severity: 'ticket', pipeline: o.pipeline },
    annotations: trackingLaggingAnnotations(ctx, PARTITION_TEMPLATES),
  };
}

/** The annotations of {@link trackingLaggingRule}, with `v` in place of the firing series' values. */
export function trackingLaggingAnnotations(ctx: RuleContext, v: PartitionValues): Record<string, string> {
  return {
    summary: `Tracking lags on ${v.topic} partition ${v.partition}: ${v.messages} messages behind and growing`,
    description:
      `The lag of partition ${v.partition} of ${v.topic} has grown at every reading of the lag monitor's window (kafka.lagWindowMs) for ${promDuration(ctx.options.trackingLaggingFor)}, while the group keeps committing: it is consumed more slowly than written. ` +
      'Its orders are tracked late. Check the batch apply duration and PostgreSQL, and whether this partition gets more than its share of events (a hot key); ' +
      'add tracker replicas (up to the partition count) or raise kafka.partitionsConsumedConcurrently.',
    runbook_url: runbookUrl(ctx, ALERT_NAMES.trackingLagging),
  };
}

/**
 * PartitionUnowned: no member of the tracker's consumer group owns a partition that has lag, or the
 * group has no member at all, while trackers run (they export it). A page: nobody consumes it. The
 * `for` rides out a rebalance. Inhibits the order alerts, like TrackingStalled.
 */
export function partitionUnownedRule(ctx: RuleContext): AlertingRule {
  const o = ctx.options;
  return {
    alert: ALERT_NAMES.partitionUnowned,
    expr: partitionsIn(ctx, 'unowned'),
    for: promDuration(o.partitionUnownedFor),
    labels: { severity: 'page', pipeline: o.pipeline },
    annotations: partitionUnownedAnnotations(ctx, PARTITION_TEMPLATES),
  };
}

/** The annotations of {@link partitionUnownedRule}, with `v` in place of the firing series' values. */
export function partitionUnownedAnnotations(ctx: RuleContext, v: PartitionValues): Record<string, string> {
  return {
    summary: `No tracker consumes ${v.topic} partition ${v.partition} (${v.messages} messages wait)`,
    description:
      `For ${promDuration(ctx.options.partitionUnownedFor)} no member of the tracker's consumer group has owned partition ${v.partition} of ${v.topic}, or the group has had no member, while trackers run. ` +
      `Its orders are not tracked. ${INHIBITED} ` +
      'Check the trackers\' logs for "the Kafka consumer crashed and stopped", GET /readyz on each (Kafka consumer in its group), and the group with kafka-consumer-groups.sh --describe; restart the trackers that are not in the group.',
    runbook_url: runbookUrl(ctx, ALERT_NAMES.partitionUnowned),
  };
}

/** What a TrackingHeartbeatStale alert's text shows of the firing series. */
export interface HeartbeatStaleValues {
  readonly age: string;
  readonly partition: string;
}

/** The Go templates a TrackingHeartbeatStale rule's annotations hold. */
export const HEARTBEAT_STALE_TEMPLATES: HeartbeatStaleValues = { age: '{{ $value | humanizeDuration }}', partition: '{{ $labels.partition }}' };

/**
 * TrackingHeartbeatStale: the newest collector heartbeat that a tracker applied on some partition is
 * older than `heartbeatStaleAfter`. Every collector publishes one heartbeat per partition on an
 * interval and the tracker records each once its batch is committed, so this catches any silent stop
 * between them: collectors not publishing, Kafka not taking or not delivering, a partition nobody
 * consumes, a consumer stuck on a batch, a store that refuses every commit.
 *
 * `max by (partition)` over tracker replicas: after a rebalance the replica that lost a partition
 * keeps its last value, and the one that took it over exports a newer one. No `for`: the threshold
 * is itself the wait. A tracker that is down is scraped no more, its series go stale and this rule
 * sees nothing: TrackerDown pages for that. It does not inhibit the order alerts (unlike
 * TrackerDown): it is about one partition, and orders on the others are tracked as ever.
 */
export function heartbeatStaleRule(ctx: RuleContext): AlertingRule {
  const o = ctx.options;
  const gauge = selector(METRICS.heartbeatLastApplied, { job: { re: o.trackerJob } });
  return {
    alert: ALERT_NAMES.heartbeatStale,
    expr: `time() - max by (partition) (${gauge}) > ${promNumber(o.heartbeatStaleAfter)}`,
    labels: { severity: 'page', pipeline: o.pipeline },
    annotations: heartbeatStaleAnnotations(ctx, HEARTBEAT_STALE_TEMPLATES),
  };
}

/** The annotations of {@link heartbeatStaleRule}, with `v` in place of the firing series' values. */
export function heartbeatStaleAnnotations(ctx: RuleContext, v: HeartbeatStaleValues): Record<string, string> {
  const o = ctx.options;
  return {
    summary: `Tracking stopped on partition ${v.partition}: its newest heartbeat was applied ${v.age} ago`,
    description:
      `No collector heartbeat has gone all the way from a collector through Kafka to the tracker's store on partition ${v.partition} for ${v.age} ` +
      `(paging after ${promDuration(o.heartbeatStaleAfter)}). Order events on that partition are likely not being applied either: their orders look stuck or lost, or stop moving. ` +
      'Check the partition lag statuses (TrackingStalled, TrackingLagging, PartitionUnowned, KafkaConsumerLagGrowing), ' +
      "the tracker's logs and GET /readyz (database, bus, instance), the collectors' orderscope_collector_heartbeats_total{outcome=\"failed\"} and logs, and Kafka (brokers, the topic's partition leaders).",
    runbook_url: runbookUrl(ctx, ALERT_NAMES.heartbeatStale),
  };
}

/** The pipeline's own alerts. */
export function pipelineAlertGroup(ctx: RuleContext): RuleGroup {
  return {
    name: 'orderscope-pipeline',
    rules: [
      trackerDownRule(ctx),
      collectorDownRule(ctx),
      applyLagRule(ctx),
      rejectedEventsRule(ctx),
      consumerLagRule(ctx),
      deadLetteredRule(ctx),
      redrivesFailingRule(ctx),
      trackingStalledRule(ctx),
      trackingLaggingRule(ctx),
      partitionUnownedRule(ctx),
      heartbeatStaleRule(ctx),
    ],
  };
}

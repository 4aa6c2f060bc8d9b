import { promDuration } from './promql';
import { ALERT_NAMES, type RuleContext } from './rules/types';

/** Receiver names; the generated file's comments tell how to replace their placeholder URLs. */
export const RECEIVERS = { page: 'orderscope-page', ticket: 'orderscope-ticket' } as const;

/** Alerts that mean the tracking pipeline itself is down or behind: while one fires, order alerts are unreliable. */
export const PIPELINE_DOWN_ALERTS = [
  ALERT_NAMES.trackerDown,
  ALERT_NAMES.collectorDown,
  ALERT_NAMES.consumerLagGrowing,
  // One partition not consumed: its orders look stuck and lost, and would page one by one. This also
  // mutes real losses on the other partitions until it resolves (order alerts carry no partition);
  // the page for the stall is the one to act on first. TrackingLagging is a ticket: never muting pages.
  ALERT_NAMES.trackingStalled,
  ALERT_NAMES.partitionUnowned,
] as const;

/** Alerts computed from the pipeline's view of the orders, and so inhibited while it is down. */
export const ORDER_ALERTS = [ALERT_NAMES.orderLost, ALERT_NAMES.ordersStuck, ALERT_NAMES.sloFastBurn, ALERT_NAMES.sloSlowBurn] as const;

const anyOf = (names: readonly string[]) => `alertname=~"${names.join('|')}"`;

/**
 * The Alertmanager configuration (0.25 syntax): severity routes to one receiver each, notifications
 * grouped per alert and state, and two inhibitions.
 *
 * - While the pipeline is down or behind (TrackerDown, CollectorDown, KafkaConsumerLagGrowing, or a
 *   partition stalled or unowned: TrackingStalled, PartitionUnowned), the
 *   order alerts are inhibited: orders look stuck or lost only because events do not get through,
 *   and the pipeline page already says so. `equal: [pipeline]` keeps one deployment's outage from
 *   silencing another's lost orders when they share an Alertmanager; inhibiting on nothing would.
 *   The order alerts carry `state`, the pipeline alerts do not, so `state` cannot be in `equal`.
 * - A fast burn (page) inhibits the slow burn (ticket) of the same state: one problem, one message.
 */
export function alertmanagerConfig(ctx: RuleContext): Record<string, unknown> {
  const o = ctx.options;
  const webhook = (url: string) => ({ webhook_configs: [{ url, send_resolved: true }] });
  return {
    route: {
      receiver: RECEIVERS.ticket,
      group_by: ['alertname', 'pipeline', 'state'],
      group_wait: promDuration(o.groupWait),
      group_interval: promDuration(o.groupInterval),
      repeat_interval: promDuration(o.ticketRepeatInterval),
      routes: [
        { receiver: RECEIVERS.page, matchers: ['severity="page"'], repeat_interval: promDuration(o.pageRepeatInterval) },
        { receiver: RECEIVERS.ticket, matchers: ['severity="ticket"'] },
      ],
    },
    receivers: [
      { name: RECEIVERS.page, ...webhook(o.pageWebhookUrl) },
      { name: RECEIVERS.ticket, ...webhook(o.ticketWebhookUrl) },
    ],
    inhibit_rules: [
      { source_matchers: [anyOf(PIPELINE_DOWN_ALERTS)], target_matchers: [anyOf(ORDER_ALERTS)], equal: ['pipeline'] },
      {
        source_matchers: [`alertname="${ALERT_NAMES.sloFastBurn}"`],
        target_matchers: [`alertname="${ALERT_NAMES.sloSlowBurn}"`],
        equal: ['pipeline', 'state'],
      },
    ],
  };
}

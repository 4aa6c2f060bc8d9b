import { Counter, type Registry } from 'prom-client';
import type { SkipReason } from './message-event';

/** Why a tapped message produced no event. */
export const TAP_DROP_REASONS: readonly SkipReason[] = ['no_order_id', 'invalid_event'];

/**
 * The AMQP tap's own metric catalogue. Its events then go through the agent's sender, whose metrics
 * (`orderscope_agent_*`) are on the same registry.
 */
export const AMQP_TAP_METRICS = {
  messages: {
    name: 'orderscope_amqp_tap_messages_total',
    help: 'Messages the tap queue received (copies of the messages published to the tapped exchanges).',
  },
  dropped: {
    name: 'orderscope_amqp_tap_dropped_total',
    help: 'Tapped messages that produced no order event, by reason: no_order_id (nothing where --order-id looks) or invalid_event.',
    labelNames: ['reason'],
    reasons: TAP_DROP_REASONS,
  },
  requeued: {
    name: 'orderscope_amqp_tap_requeued_total',
    help: 'Tapped messages handed back to RabbitMQ unacknowledged because their event could not be made durable (buffer or spool full); they are delivered again.',
  },
  overflowed: {
    name: 'orderscope_amqp_tap_overflowed_total',
    help: 'Messages RabbitMQ dropped from the full tap queue (--queue-max-length reached while the tap was down or behind), counted from its overflow queue: their order events are lost.',
  },
} as const;

export interface AmqpTapMetrics {
  readonly messages: Counter;
  readonly dropped: Counter<'reason'>;
  readonly requeued: Counter;
  readonly overflowed: Counter;
}

export function createAmqpTapMetrics(registry: Registry): AmqpTapMetrics {
  const m = AMQP_TAP_METRICS;
  const registers = [registry];
  const metrics: AmqpTapMetrics = {
    messages: new Counter({ ...m.messages, registers }),
    dropped: new Counter({ name: m.dropped.name, help: m.dropped.help, labelNames: [...m.dropped.labelNames], registers }),
    requeued: new Counter({ ...m.requeued, registers }),
    overflowed: new Counter({ ...m.overflowed, registers }),
  };
  for (const reason of TAP_DROP_REASONS) metrics.dropped.inc({ reason }, 0);
  return metrics;
}

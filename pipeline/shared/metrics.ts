import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { isToggleOn, TOGGLE_NAMES, type Toggles } from '../config/toggles';

/** Outcomes of a consumed message, the `outcome` label of `orderscope_pipeline_messages_consumed_total`. */
export const CONSUME_OUTCOMES = ['acked', 'retried', 'dead_lettered', 'acked_before_processing'] as const;
export type ConsumeOutcome = (typeof CONSUME_OUTCOMES)[number];

/**
 * The metric catalogue shared by the pipeline's services (RabbitMQ messaging, the outbox, toggles);
 * each service adds its own (mes/worker/metrics.ts, crm/metrics.ts). Queue names are a fixed,
 * small set; order ids never become label values.
 */
export const PIPELINE_METRICS = {
  consumed: {
    name: 'orderscope_pipeline_messages_consumed_total',
    help: 'Messages taken from a RabbitMQ queue, by queue and outcome: acked (handled), retried (sent to the retry queue), dead_lettered (sent to <queue>.dead), acked_before_processing (the ack-then-die fault).',
    labelNames: ['queue', 'outcome'],
  },
  handling: {
    name: 'orderscope_pipeline_message_handling_seconds',
    help: 'Time from receiving a message to settling it (ack, retry or dead letter), by queue.',
    labelNames: ['queue'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  },
  published: {
    name: 'orderscope_pipeline_messages_published_total',
    help: 'Messages RabbitMQ confirmed (persisted), by queue.',
    labelNames: ['queue'],
  },
  publishFailures: {
    name: 'orderscope_pipeline_publish_failures_total',
    help: 'Publications RabbitMQ did not confirm, by queue; an outbox message is published again, a consumed message is retried.',
    labelNames: ['queue'],
  },
  outboxPending: {
    name: 'orderscope_pipeline_outbox_pending_messages',
    help: 'Messages written to the outbox and not yet confirmed by RabbitMQ (read at scrape).',
  },
  eventsDropped: {
    name: 'orderscope_pipeline_order_events_dropped_total',
    help: 'Order events the service dropped on purpose before its agent sent them, by reason: fault_untracked (the faultUntrackedPart toggle, drills only).',
    labelNames: ['reason'],
  },
  toggle: {
    name: 'orderscope_pipeline_toggle_enabled',
    help: 'Feature toggles this process started with: 1 on, 0 off (a fault toggle on is worth an alert outside drills).',
    labelNames: ['toggle'],
  },
} as const;

/** The live shared metrics of one service. */
export class PipelineMetrics {
  readonly consumed: Counter<'queue' | 'outcome'>;
  readonly handling: Histogram<'queue'>;
  readonly published: Counter<'queue'>;
  readonly publishFailures: Counter<'queue'>;
  readonly eventsDropped: Counter<'reason'>;

  constructor(readonly registry: Registry) {
    const m = PIPELINE_METRICS;
    const registers = [registry];
    this.consumed = new Counter({ ...m.consumed, labelNames: [...m.consumed.labelNames], registers });
    this.handling = new Histogram({ ...m.handling, labelNames: [...m.handling.labelNames], buckets: [...m.handling.buckets], registers });
    this.published = new Counter({ ...m.published, labelNames: [...m.published.labelNames], registers });
    this.publishFailures = new Counter({ ...m.publishFailures, labelNames: [...m.publishFailures.labelNames], registers });
    this.eventsDropped = new Counter({ ...m.eventsDropped, labelNames: [...m.eventsDropped.labelNames], registers });
  }

  /** Starts every outcome of a queue at 0, so that `increase()` sees the first message too. */
  initQueue(queue: string): void {
    for (const outcome of CONSUME_OUTCOMES) this.consumed.inc({ queue, outcome }, 0);
    this.published.inc({ queue }, 0);
    this.publishFailures.inc({ queue }, 0);
  }

  /** A gauge of the outbox backlog, read from the service's database at each scrape. */
  outboxGauge(read: () => Promise<number>): void {
    new Gauge({
      ...PIPELINE_METRICS.outboxPending,
      registers: [this.registry],
      async collect() {
        // A failed read keeps the last value: one slow query must not fail the whole scrape.
        await read().then(
          (n) => this.set(n),
          () => undefined,
        );
      },
    });
  }
}

/** Exposes the toggles a service started with (`orderscope_pipeline_toggle_enabled`): every service, once. */
export function exposeToggles(registry: Registry, toggles: Toggles): void {
  const m = PIPELINE_METRICS.toggle;
  const toggle = new Gauge({ ...m, labelNames: [...m.labelNames], registers: [registry] });
  for (const name of TOGGLE_NAMES) toggle.set({ toggle: name }, isToggleOn(toggles[name]) ? 1 : 0);
}

import { Counter, Gauge, type Registry } from 'prom-client';

/**
 * Why an order event was dropped, the values of the `reason` label of `orderscope_agent_dropped_total`:
 *
 * - `invalid`: trackOrder was called with something that breaks the event contract (e.g. a bad order id);
 * - `buffer_full`: the in-memory buffer was full (neither the collector nor the disk kept up);
 * - `spool_full`: the collector was unreachable and the spool had reached its size cap;
 * - `spool_error`: the spool could not be written (disk error);
 * - `spool_corrupt`: a spooled line could not be read back (a write cut short by a crash);
 * - `rejected`: the collector refused the event as invalid (a per-event rejection in a 202, or a 400/413/415);
 * - `closed`: trackOrder was called after shutdown().
 */
export const DROP_REASONS = ['invalid', 'buffer_full', 'spool_full', 'spool_error', 'spool_corrupt', 'rejected', 'closed'] as const;
export type DropReason = (typeof DROP_REASONS)[number];

/**
 * The agent's metric catalogue: the one place its metric names, help texts and labels are written.
 * Dashboard and alert generators read this object; {@link createAgentMetrics} registers exactly these.
 */
export const AGENT_METRICS = {
  eventsTracked: {
    name: 'orderscope_agent_events_tracked_total',
    help: 'Order events handed to the agent (trackOrder calls, and events of the sidecars), before any of them is sent or dropped.',
  },
  eventsSent: {
    name: 'orderscope_agent_events_sent_total',
    help: 'Order events the collector accepted (answered 202 without rejecting them).',
  },
  eventsSpooled: {
    name: 'orderscope_agent_events_spooled_total',
    help: 'Order events written to the on-disk spool because the collector could not take them at once.',
  },
  dropped: {
    name: 'orderscope_agent_dropped_total',
    help: 'Order events dropped, by reason: invalid, buffer_full, spool_full, spool_error, spool_corrupt, rejected, closed.',
    labelNames: ['reason'],
    reasons: DROP_REASONS,
  },
  retries: {
    name: 'orderscope_agent_retries_total',
    help: 'Deliveries to the collector that failed in a way worth retrying (network error, 429, 5xx, 401/403) and will be retried.',
  },
  spoolBytes: {
    name: 'orderscope_agent_spool_bytes',
    help: 'Bytes of order events waiting in the on-disk spool.',
  },
  bufferedEvents: {
    name: 'orderscope_agent_buffered_events',
    help: 'Order events waiting in memory to be batched and sent.',
  },
} as const;

/** The live metrics of one agent. */
export interface AgentMetrics {
  readonly eventsTracked: Counter;
  readonly eventsSent: Counter;
  readonly eventsSpooled: Counter;
  readonly dropped: Counter<'reason'>;
  readonly retries: Counter;
  readonly spoolBytes: Gauge;
  readonly bufferedEvents: Gauge;
}

/**
 * Registers the agent's metrics on `registry`. Every drop reason starts at 0, so that an alert on
 * `increase(orderscope_agent_dropped_total[5m]) > 0` works from the first scrape.
 */
export function createAgentMetrics(registry: Registry): AgentMetrics {
  const m = AGENT_METRICS;
  const registers = [registry];
  const metrics: AgentMetrics = {
    eventsTracked: new Counter({ ...m.eventsTracked, registers }),
    eventsSent: new Counter({ ...m.eventsSent, registers }),
    eventsSpooled: new Counter({ ...m.eventsSpooled, registers }),
    dropped: new Counter({ name: m.dropped.name, help: m.dropped.help, labelNames: [...m.dropped.labelNames], registers }),
    retries: new Counter({ ...m.retries, registers }),
    spoolBytes: new Gauge({ ...m.spoolBytes, registers }),
    bufferedEvents: new Gauge({ ...m.bufferedEvents, registers }),
  };
  for (const reason of DROP_REASONS) metrics.dropped.inc({ reason }, 0);
  return metrics;
}

import { Counter, Histogram, type Registry } from 'prom-client';
import { collectProcessMetrics } from '../common';
import { REJECTION_REASONS } from './ingest/rejection-reason';

/** Bucket bounds, in seconds, of the request and publish latency histograms (1 ms to 10 s). */
const LATENCY_BUCKETS_SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Routes of the collector, the bounded values of the `route` label (`unmatched` for anything else). */
export const COLLECTOR_ROUTES = ['/v1/events', '/metrics', '/healthz', '/readyz', 'unmatched'] as const;

/** Kinds of publish failure, the values of the `reason` label of the bus error counter. */
export const BUS_ERROR_REASONS = ['timeout', 'full', 'unavailable'] as const;

/** Outcomes of one round of heartbeats (one per partition), the values of the `outcome` label. */
export const HEARTBEAT_OUTCOMES = ['published', 'failed'] as const;

/**
 * The collector's metric catalogue: the one place its metric names, help texts and labels are
 * written. Dashboard and alert generators read this object; {@link createCollectorMetrics}
 * registers exactly these.
 */
export const COLLECTOR_METRICS = {
  httpRequests: {
    name: 'orderscope_collector_http_requests_total',
    help: 'HTTP requests answered by the collector, by route and status code ("aborted" when the client left first).',
    labelNames: ['route', 'status'],
  },
  httpRequestDuration: {
    name: 'orderscope_collector_http_request_duration_seconds',
    help: 'Time from receiving a request to the end of its answer, by route.',
    labelNames: ['route'],
    buckets: LATENCY_BUCKETS_SECONDS,
  },
  eventsAccepted: {
    name: 'orderscope_collector_events_accepted_total',
    help: 'Events acknowledged by the bus and answered 202 as accepted.',
    labelNames: [],
  },
  eventsRejected: {
    name: 'orderscope_collector_events_rejected_total',
    help:
      'Events of authenticated, parseable requests that were not accepted, by reason: a contract violation of the event, ' +
      'or the refusal of the whole request (forbidden_source, rate_limited, bus_unavailable).',
    labelNames: ['reason'],
    reasons: REJECTION_REASONS,
  },
  publishDuration: {
    name: 'orderscope_collector_publish_duration_seconds',
    help: 'Time the bus took to acknowledge (or fail) the valid events of one request.',
    labelNames: ['outcome'],
    buckets: LATENCY_BUCKETS_SECONDS,
  },
  busErrors: {
    name: 'orderscope_collector_bus_errors_total',
    help: 'Publishes the bus did not acknowledge (answered 503), by reason: timeout, full (the in-process bus of embedded mode holds its maximum of waiting events) or unavailable.',
    labelNames: ['reason'],
    reasons: BUS_ERROR_REASONS,
  },
  heartbeats: {
    name: 'orderscope_collector_heartbeats_total',
    help: 'Rounds of heartbeats (one synthetic event per partition of the topic, every collector.heartbeatIntervalMs) by outcome: published (the bus acknowledged all of them) or failed (logged; the next round is tried an interval later).',
    labelNames: ['outcome'],
  },
} as const;

/** The live metrics of one collector. */
export interface CollectorMetrics {
  readonly httpRequests: Counter<'route' | 'status'>;
  readonly httpRequestDuration: Histogram<'route'>;
  readonly eventsAccepted: Counter;
  readonly eventsRejected: Counter<'reason'>;
  readonly publishDuration: Histogram<'outcome'>;
  readonly busErrors: Counter<'reason'>;
  readonly heartbeats: Counter<'outcome'>;
}

/**
 * Registers the collector's metrics on `registry`, plus Node's default process metrics unless the
 * registry already has them (in embedded mode the tracker shares the registry). Label values that
 * are known in advance start at 0, so a rate() over them works from the first scrape.
 */
export function createCollectorMetrics(registry: Registry): CollectorMetrics {
  const m = COLLECTOR_METRICS;
  const registers = [registry];
  const metrics: CollectorMetrics = {
    httpRequests: new Counter({ ...m.httpRequests, labelNames: [...m.httpRequests.labelNames], registers }),
    httpRequestDuration: new Histogram({ ...m.httpRequestDuration, labelNames: [...m.httpRequestDuration.labelNames], buckets: [...m.httpRequestDuration.buckets], registers }),
    eventsAccepted: new Counter({ name: m.eventsAccepted.name, help: m.eventsAccepted.help, registers }),
    eventsRejected: new Counter({ name: m.eventsRejected.name, help: m.eventsRejected.help, labelNames: [...m.eventsRejected.labelNames], registers }),
    publishDuration: new Histogram({ ...m.publishDuration, labelNames: [...m.publishDuration.labelNames], buckets: [...m.publishDuration.buckets], registers }),
    busErrors: new Counter({ name: m.busErrors.name, help: m.busErrors.help, labelNames: [...m.busErrors.labelNames], registers }),
    heartbeats: new Counter({ ...m.heartbeats, labelNames: [...m.heartbeats.labelNames], registers }),
  };
  for (const outcome of HEARTBEAT_OUTCOMES) metrics.heartbeats.inc({ outcome }, 0);
  for (const reason of REJECTION_REASONS) metrics.eventsRejected.inc({ reason }, 0);
  for (const reason of BUS_ERROR_REASONS) metrics.busErrors.inc({ reason }, 0);
  metrics.eventsAccepted.inc(0);
  collectProcessMetrics(registry);
  return metrics;
}

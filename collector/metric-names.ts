import { REJECTION_REASONS } from './ingest/rejection-reason';

// A leaf: it imports only rejection-reason.ts, itself a leaf (its one import is a type), so that the
// dashboard and alert generators read the collector's metric names without loading the collector
// (express, the bus).

/** Bucket bounds, in seconds, of the request and publish latency histograms (1 ms to 10 s). */
const LATENCY_BUCKETS_SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Routes of the collector, the bounded values of the `route` label (`unmatched` for anything else). */
export const COLLECTOR_ROUTES = ['/v1/events', '/metrics', '/healthz', '/readyz', 'unmatched'] as const;

/** Kinds of publish failure, the values of the `reason` label of the bus error counter. */
export const BUS_ERROR_REASONS = ['timeout', 'full', 'unavailable'] as const;

/** Outcomes of one round of heartbeats (one per partition), the values of the `outcome` label. */
export const HEARTBEAT_OUTCOMES = ['published', 'failed'] as const;

/**
 * The collector's metric catalogue: the one place its metric names, types, help texts and labels are
 * written. Dashboard and alert generators read this object; createCollectorMetrics (metrics.ts)
 * registers exactly these.
 */
export const COLLECTOR_METRICS = {
  httpRequests: {
    name: 'orderscope_collector_http_requests_total',
    type: 'counter',
    help: 'HTTP requests answered by the collector, by route and status code ("aborted" when the client left first).',
    labelNames: ['route', 'status'],
  },
  httpRequestDuration: {
    name: 'orderscope_collector_http_request_duration_seconds',
    type: 'histogram',
    help: 'Time from receiving a request to the end of its answer, by route.',
    labelNames: ['route'],
    buckets: LATENCY_BUCKETS_SECONDS,
  },
  eventsAccepted: {
    name: 'orderscope_collector_events_accepted_total',
    type: 'counter',
    help: 'Events acknowledged by the bus and answered 202 as accepted.',
    labelNames: [],
  },
  eventsRejected: {
    name: 'orderscope_collector_events_rejected_total',
    type: 'counter',
    help:
      'Events of authenticated, parseable requests that were not accepted, by reason: a contract violation of the event, ' +
      'or the refusal of the whole request (forbidden_source, rate_limited, bus_unavailable).',
    labelNames: ['reason'],
    reasons: REJECTION_REASONS,
  },
  publishDuration: {
    name: 'orderscope_collector_publish_duration_seconds',
    type: 'histogram',
    help: 'Time the bus took to acknowledge (or fail) the valid events of one request.',
    labelNames: ['outcome'],
    buckets: LATENCY_BUCKETS_SECONDS,
  },
  busErrors: {
    name: 'orderscope_collector_bus_errors_total',
    type: 'counter',
    help: 'Publishes the bus did not acknowledge (answered 503), by reason: timeout, full (the in-process bus of embedded mode holds its maximum of waiting events) or unavailable.',
    labelNames: ['reason'],
    reasons: BUS_ERROR_REASONS,
  },
  heartbeats: {
    name: 'orderscope_collector_heartbeats_total',
    type: 'counter',
    help: 'Rounds of heartbeats (one synthetic event per partition of the topic, every collector.heartbeatIntervalMs) by outcome: published (the bus acknowledged all of them) or failed (logged; the next round is tried an interval later).',
    labelNames: ['outcome'],
  },
} as const;

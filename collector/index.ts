/**
 * The collector: authenticated HTTP ingest of order events into the bus.
 *
 * `POST /v1/events` takes a JSON array (`application/json`) or NDJSON (`application/x-ndjson`) of at
 * most `collector.maxEvents` events and `collector.maxBytes` bytes, with `Authorization: Bearer <token>`.
 * Each event is checked against the contract on its own: a well-formed request is answered
 * `202 {accepted, rejected: [{index, event_id?, error}]}`, once the bus has acknowledged every
 * accepted event. Whole-request refusals are `{error: {code, message}}`: 400 unparseable (with the
 * position), 401 no or unknown token, 403 token without the `ingest` scope or emitting for a source
 * it is not allowed (the whole request is refused, naming the first offending index and source,
 * because a foreign source means a misconfigured or stolen token, not bad data), 413 too large,
 * 415 wrong content type, 429 over the token's rate (Retry-After), 503 bus unavailable (Retry-After).
 *
 * Start with {@link createCollector}; its metric catalogue is {@link COLLECTOR_METRICS}.
 */
export { createCollector } from './collector';
export type { Collector, CollectorOptions } from './collector';
export { COLLECTOR_METRICS, COLLECTOR_ROUTES, BUS_ERROR_REASONS, HEARTBEAT_OUTCOMES } from './metric-names';
export { createCollectorMetrics } from './metrics';
export type { CollectorMetrics } from './metrics';
export { REJECTION_REASONS } from './ingest/rejection-reason';
export type { RejectionReason } from './ingest/rejection-reason';

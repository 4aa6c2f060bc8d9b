/**
 * What every orderscope agent shares, whatever captures its events (the Node SDK, the pg-outbox and
 * AMQP tap sidecars):
 *
 * - {@link CollectorClient}, the HTTP client of the collector's `POST /v1/events` (the CLI's
 *   `replay`, `import` and `up` send with it too);
 * - delivery: {@link postBatch} settles what one post can settle (413 split, 400/415 rejected) and
 *   {@link isDeliveryRetriable} / {@link retryDelayHint} say what to retry and when;
 * - {@link EventSender}: batching, the spool while the collector is away, and the drain, with
 *   {@link createSpoolingSender} wiring it to a collector and a spool directory (the SDK and the AMQP
 *   tap; the pg-outbox keeps its events in its outbox table instead);
 * - the sender's metric catalogue {@link AGENT_METRICS}, {@link ThrottledWarning} for logging from
 *   inside someone else's process, {@link TraceIds}, and {@link parseAttributeSpecs}, the one parser of
 *   the sidecars' `--attribute name=source` specs.
 */
export { CollectorClient, IngestRejectedError, RetryLaterError } from './collector-client';
export type { CollectorClientOptions } from './collector-client';
export { postBatch, isDeliveryRetriable, retryDelayHint, isAuthRefusal } from './sender/delivery';
export type { EventTransport } from './sender/delivery';
export { EventSender, NotDurableError } from './sender/event-sender';
export type { EventSenderOptions } from './sender/event-sender';
export { createSpoolingSender } from './sender/spooling-sender';
export type { SpoolingSenderOptions } from './sender/spooling-sender';
export { AGENT_METRICS, DROP_REASONS, createAgentMetrics } from './metrics';
export type { AgentMetrics, DropReason } from './metrics';
export { ThrottledWarning } from './throttled-warning';
export type { TraceIds } from './trace-ids';
export { parseAttributeSpecs } from './attribute-specs';
export type { AttributeSpec, AttributeSpecSyntax } from './attribute-specs';

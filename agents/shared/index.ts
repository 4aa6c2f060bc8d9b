/**
 * What every orderscope agent shares, whatever captures its events (the Node SDK, the pg-outbox and
 * AMQP tap sidecars) and what the CLI uses to send events (`replay`, `import`, `up`'s demo feed):
 * {@link CollectorClient}, the HTTP client of the collector's `POST /v1/events`.
 */
export { CollectorClient, IngestRejectedError, RetryLaterError } from './collector-client';
export type { CollectorClientOptions } from './collector-client';

/**
 * The pg-outbox sidecar: order state changes captured by a trigger into an outbox table in the host
 * database's own transactions, drained to the collector. See {@link PgOutboxSidecar}.
 */
export { PgOutboxSidecar } from './pg-outbox-sidecar';
export type { PgOutboxOptions } from './pg-outbox-sidecar';
export { PG_OUTBOX_METRICS, DEAD_LETTER_REASONS } from './metrics';
export { ValueMap } from './value-map';
export { parseTableName, quoteIdent } from './sql/identifiers';
export type { TableName } from './sql/identifiers';

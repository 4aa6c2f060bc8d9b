import { STATE_CHANGES_DDL } from '../../shared/state-journal';

/**
 * The MES database, shared by mes-worker (pricing, receiving production orders) and mes-api
 * (production). Both create it at start, idempotently.
 */
export const MES_SCHEMA: readonly string[] = [
  // One row per order priced: the idempotency record of the pricing consumer (keyed by order id).
  `CREATE TABLE IF NOT EXISTS pricing_jobs (
    order_id text PRIMARY KEY,
    state text NOT NULL CHECK (state IN ('pricing', 'quoted')),
    customer_id text NOT NULL,
    segment text NOT NULL,
    part jsonb NOT NULL,
    quantity integer NOT NULL,
    part_key text NOT NULL,
    unit_price_cents integer,
    total_cents bigint,
    cache_result text,
    priced_by text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp()
  )`,
  `CREATE TABLE IF NOT EXISTS production_orders (
    order_id text PRIMARY KEY,
    state text NOT NULL CHECK (state IN ('queued', 'in_production', 'produced', 'shipped')),
    segment text NOT NULL,
    part jsonb NOT NULL,
    quantity integer NOT NULL,
    operator_id text NOT NULL,
    total_cents bigint NOT NULL,
    received_at timestamptz NOT NULL DEFAULT clock_timestamp()
  )`,
  'CREATE INDEX IF NOT EXISTS production_orders_by_state ON production_orders (state, received_at)',
  STATE_CHANGES_DDL,
];

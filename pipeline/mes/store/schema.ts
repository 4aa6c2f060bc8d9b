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
    received_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    state_since timestamptz NOT NULL DEFAULT clock_timestamp()
  )`,
  STATE_CHANGES_DDL,
  // A database made before state_since: the column, filled from the journal, once.
  `DO $$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'production_orders' AND column_name = 'state_since') THEN
      ALTER TABLE production_orders ADD COLUMN state_since timestamptz;
      UPDATE production_orders p SET state_since = coalesce((SELECT s.changed_at FROM state_changes s WHERE s.order_id = p.order_id AND s.state = p.state), p.received_at);
      ALTER TABLE production_orders ALTER COLUMN state_since SET NOT NULL, ALTER COLUMN state_since SET DEFAULT clock_timestamp();
    END IF;
  END $$`,
  // The production lists, oldest in their state first, a page at a time: an index in exactly that
  // order reads one page of a year's shipped orders (a plan test checks it: query-plans.int.test.ts).
  'CREATE INDEX IF NOT EXISTS production_orders_by_state_since ON production_orders (state, state_since, order_id)',
  'DROP INDEX IF EXISTS production_orders_by_state',
];

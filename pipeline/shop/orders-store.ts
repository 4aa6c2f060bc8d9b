import type { ClientBase, Pool } from 'pg';
import type { NewOrder, PartSpec, Segment } from '../shared/messages';
import { OUTBOX_DDL } from '../shared/outbox';
import { STATE_CHANGES_DDL } from '../shared/state-journal';

/** The shop's own database (no longer shared with the CRM): orders, their journal, the outbox. */
export const SHOP_SCHEMA: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS orders (
    order_id text PRIMARY KEY,
    idempotency_key text UNIQUE,
    customer_id text NOT NULL,
    segment text NOT NULL CHECK (segment IN ('b2b', 'b2c')),
    part jsonb NOT NULL,
    quantity integer NOT NULL CHECK (quantity > 0),
    state text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp()
  )`,
  STATE_CHANGES_DDL,
  OUTBOX_DDL,
];

/** An order as the shop answers it. */
export interface ShopOrder {
  readonly order_id: string;
  readonly customer_id: string;
  readonly segment: Segment;
  readonly part: PartSpec;
  readonly quantity: number;
  readonly state: string;
  /** When the order entered each state here, from the journal. */
  readonly state_changes: { state: string; at: string }[];
}

/** Inserts a new order in state `placed`; undefined when the idempotency key was used before. */
export async function insertOrder(tx: ClientBase, orderId: string, order: NewOrder, idempotencyKey: string | undefined): Promise<boolean> {
  const { rowCount } = await tx.query(
    `INSERT INTO orders (order_id, idempotency_key, customer_id, segment, part, quantity, state) VALUES ($1, $2, $3, $4, $5, $6, 'placed')
     ON CONFLICT (idempotency_key) DO NOTHING`,
    [orderId, idempotencyKey ?? null, order.customer_id, order.segment, JSON.stringify(order.part), order.quantity],
  );
  return rowCount === 1;
}

/** Moves an order from one state to the next; false when it is not in `from` (any more). */
export async function moveOrder(tx: ClientBase, orderId: string, from: string, to: string): Promise<boolean> {
  const { rowCount } = await tx.query('UPDATE orders SET state = $3 WHERE order_id = $1 AND state = $2', [orderId, from, to]);
  return rowCount === 1;
}

const SELECT_ORDER = `SELECT o.order_id, o.customer_id, o.segment, o.part, o.quantity, o.state,
    coalesce(json_agg(json_build_object('state', s.state, 'at', s.changed_at) ORDER BY s.changed_at) FILTER (WHERE s.state IS NOT NULL), '[]') AS state_changes
  FROM orders o LEFT JOIN state_changes s ON s.order_id = o.order_id`;

export async function findOrder(db: Pool | ClientBase, orderId: string): Promise<ShopOrder | undefined> {
  const { rows } = await db.query<ShopOrder>(`${SELECT_ORDER} WHERE o.order_id = $1 GROUP BY o.order_id`, [orderId]);
  return rows[0];
}

export async function findOrderByIdempotencyKey(db: Pool | ClientBase, key: string): Promise<ShopOrder | undefined> {
  const { rows } = await db.query<ShopOrder>(`${SELECT_ORDER} WHERE o.idempotency_key = $1 GROUP BY o.order_id`, [key]);
  return rows[0];
}

import type { ClientBase, Pool } from 'pg';
import type { ProductionOrder } from '../../shared/messages';

/** A production order's state in the MES; `queued` is not tracked: for orderscope the order is still `confirmed`. */
export const PRODUCTION_STATES = ['queued', 'in_production', 'produced', 'shipped'] as const;
export type ProductionState = (typeof PRODUCTION_STATES)[number];

/** The shop floor's steps, each from one state to the next; the target is the tracked state. */
export const PRODUCTION_STEPS = {
  start: { from: 'queued', to: 'in_production' },
  finish: { from: 'in_production', to: 'produced' },
  ship: { from: 'produced', to: 'shipped' },
} as const satisfies Record<string, { from: ProductionState; to: ProductionState }>;
export type ProductionStep = keyof typeof PRODUCTION_STEPS;

export interface ProductionView {
  readonly order_id: string;
  readonly state: ProductionState;
  readonly segment: string;
  readonly operator_id: string;
  readonly part_number: string;
  readonly quantity: number;
  /** When it entered its state (the journal); for queued, when the MES received it. */
  readonly state_since: string;
}

/** Stores a production order received from the CRM, once: false when a redelivery finds it there. */
export async function receiveProductionOrder(db: Pool | ClientBase, order: ProductionOrder): Promise<boolean> {
  const { rowCount } = await db.query(
    `INSERT INTO production_orders (order_id, state, segment, part, quantity, operator_id, total_cents)
     VALUES ($1, 'queued', $2, $3, $4, $5, $6) ON CONFLICT (order_id) DO NOTHING`,
    [order.order_id, order.segment, JSON.stringify(order.part), order.quantity, order.operator_id, order.total_cents],
  );
  return rowCount === 1;
}

/** Takes a step (a guarded update): the order's segment when it moved, its current state (or undefined: unknown) when it could not. */
export async function takeStep(tx: ClientBase, orderId: string, step: ProductionStep): Promise<{ moved: true; segment: string } | { moved: false; state: ProductionState | undefined }> {
  const { from, to } = PRODUCTION_STEPS[step];
  const { rows } = await tx.query<{ segment: string }>('UPDATE production_orders SET state = $3, state_since = clock_timestamp() WHERE order_id = $1 AND state = $2 RETURNING segment', [orderId, from, to]);
  if (rows[0]) return { moved: true, segment: rows[0].segment };
  const current = await tx.query<{ state: ProductionState }>('SELECT state FROM production_orders WHERE order_id = $1', [orderId]);
  return { moved: false, state: current.rows[0]?.state };
}

const SELECT_VIEW = `SELECT p.order_id, p.state, p.segment, p.operator_id, p.part->>'part_number' AS part_number, p.quantity,
    coalesce(s.changed_at, p.received_at) AS state_since
  FROM production_orders p LEFT JOIN state_changes s ON s.order_id = p.order_id AND s.state = p.state`;

/** Production orders in a state, oldest first (the shop floor's queue when the state is queued). */
export async function listProduction(db: Pool, state: ProductionState, limit: number): Promise<ProductionView[]> {
  // Ordered by the row's own state_since (the index's order), not the journal's equal time: a join's
  // column would sort every order in the state, a year of them for shipped.
  const { rows } = await db.query<ProductionView>(`${SELECT_VIEW} WHERE p.state = $1 ORDER BY p.state_since, p.order_id LIMIT $2`, [state, limit]);
  return rows;
}

export async function findProduction(db: Pool, orderId: string): Promise<ProductionView | undefined> {
  const { rows } = await db.query<ProductionView>(`${SELECT_VIEW} WHERE p.order_id = $1`, [orderId]);
  return rows[0];
}

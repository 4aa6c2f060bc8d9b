import type { ClientBase, Pool } from 'pg';
import type { OperatorConfig } from '../config/operators';
import type { Quote, Segment } from '../shared/messages';
import { OUTBOX_DDL } from '../shared/outbox';
import { STATE_CHANGES_DDL } from '../shared/state-journal';
import type { TraceCarrier } from '../shared/trace-context';
import type { OperatorLoad } from './assignment';

/** The CRM's own database (no longer shared with the shop). */
export const CRM_SCHEMA: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS operators (
    operator_id text PRIMARY KEY,
    weight real NOT NULL CHECK (weight >= 0),
    capacity integer NOT NULL CHECK (capacity >= 0),
    active boolean NOT NULL DEFAULT true
  )`,
  // pending: priced, waiting for an operator (for orderscope still "quoted"); then assigned, confirmed.
  `CREATE TABLE IF NOT EXISTS orders (
    order_id text PRIMARY KEY,
    state text NOT NULL CHECK (state IN ('pending', 'assigned', 'confirmed')),
    segment text NOT NULL,
    customer_id text NOT NULL,
    quote jsonb NOT NULL,
    operator_id text REFERENCES operators,
    received_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    trace_carrier jsonb NOT NULL DEFAULT '{}'
  )`,
  `CREATE INDEX IF NOT EXISTS orders_pending ON orders (received_at) WHERE state = 'pending'`,
  'CREATE INDEX IF NOT EXISTS orders_by_operator ON orders (operator_id, state)',
  STATE_CHANGES_DDL,
  'CREATE INDEX IF NOT EXISTS state_changes_by_time ON state_changes (state, changed_at)',
  OUTBOX_DDL,
];

/** An order as the CRM answers it. */
export interface CrmOrder {
  readonly order_id: string;
  readonly state: 'pending' | 'assigned' | 'confirmed';
  readonly segment: Segment;
  readonly customer_id: string;
  readonly operator_id: string | null;
  readonly total_cents: number;
  readonly part_number: string;
  /** When it entered its state here (for pending: when the quote arrived). */
  readonly state_since: string;
}

/** A pending order as the assignment needs it, with the trace it arrived in. */
export interface PendingRow {
  readonly order_id: string;
  readonly segment: Segment;
  readonly received_at: Date;
  readonly trace_carrier: TraceCarrier;
}

/** Makes the configured operators the active ones; operators no longer configured keep their orders but get no new ones. */
export async function syncOperators(tx: ClientBase, operators: readonly OperatorConfig[]): Promise<void> {
  await tx.query(
    `INSERT INTO operators (operator_id, weight, capacity, active)
     SELECT * FROM unnest($1::text[], $2::real[], $3::int[]) AS o(operator_id, weight, capacity), LATERAL (SELECT true) AS a(active)
     ON CONFLICT (operator_id) DO UPDATE SET weight = excluded.weight, capacity = excluded.capacity, active = true`,
    [operators.map((o) => o.id), operators.map((o) => o.weight), operators.map((o) => o.capacity)],
  );
  await tx.query('UPDATE operators SET active = false WHERE NOT (operator_id = ANY($1))', [operators.map((o) => o.id)]);
}

/** Stores a quote as a pending order, once: false when a redelivery finds it there. */
export async function receiveQuote(db: Pool | ClientBase, quote: Quote, traceCarrier: TraceCarrier): Promise<boolean> {
  const { rowCount } = await db.query(
    `INSERT INTO orders (order_id, state, segment, customer_id, quote, trace_carrier) VALUES ($1, 'pending', $2, $3, $4, $5)
     ON CONFLICT (order_id) DO NOTHING`,
    [quote.order_id, quote.segment, quote.customer_id, JSON.stringify(quote), JSON.stringify(traceCarrier)],
  );
  return rowCount === 1;
}

/** Locks pending orders for an assignment pass, oldest first. */
export async function claimPending(tx: ClientBase, limit: number): Promise<PendingRow[]> {
  const { rows } = await tx.query<PendingRow>(
    `SELECT order_id, segment, received_at, trace_carrier FROM orders WHERE state = 'pending' ORDER BY received_at LIMIT $1 FOR UPDATE SKIP LOCKED`,
    [limit],
  );
  return rows;
}

/** The active operators' loads: open (assigned, unconfirmed) orders, and orders assigned in the fairness window. */
export async function operatorLoads(db: Pool | ClientBase, windowMs: number): Promise<OperatorLoad[]> {
  const { rows } = await db.query<OperatorLoad>(
    `SELECT op.operator_id AS id, op.weight, op.capacity,
       (SELECT count(*) FROM orders o WHERE o.operator_id = op.operator_id AND o.state = 'assigned')::int AS open,
       (SELECT count(*) FROM state_changes s JOIN orders o USING (order_id)
         WHERE s.state = 'assigned' AND s.changed_at > clock_timestamp() - make_interval(secs => $1) AND o.operator_id = op.operator_id)::int AS "assignedInWindow"
     FROM operators op WHERE op.active ORDER BY op.operator_id`,
    [windowMs / 1000],
  );
  return rows;
}

/** Assigns a pending order (guarded); its quote, or undefined when it was not pending any more. */
export async function assignOrder(tx: ClientBase, orderId: string, operatorId: string): Promise<Quote | undefined> {
  const { rows } = await tx.query<{ quote: Quote }>(`UPDATE orders SET state = 'assigned', operator_id = $2 WHERE order_id = $1 AND state = 'pending' RETURNING quote`, [orderId, operatorId]);
  return rows[0]?.quote;
}

/** Confirms an order assigned to `operatorId` (guarded); its quote when it moved, else where it is and whose it is. */
export async function confirmAssigned(
  tx: ClientBase,
  orderId: string,
  operatorId: string,
): Promise<{ moved: true; quote: Quote } | { moved: false; state?: string; operatorId?: string | null }> {
  const { rows } = await tx.query<{ quote: Quote }>(
    `UPDATE orders SET state = 'confirmed' WHERE order_id = $1 AND state = 'assigned' AND operator_id = $2 RETURNING quote`,
    [orderId, operatorId],
  );
  if (rows[0]) return { moved: true, quote: rows[0].quote };
  const current = await tx.query<{ state: string; operator_id: string | null }>('SELECT state, operator_id FROM orders WHERE order_id = $1', [orderId]);
  return { moved: false, state: current.rows[0]?.state, operatorId: current.rows[0]?.operator_id };
}

const SELECT_ORDER = `SELECT o.order_id, o.state, o.segment, o.customer_id, o.operator_id, (o.quote->>'total_cents')::float8 AS total_cents,
    o.quote->'part'->>'part_number' AS part_number, coalesce(s.changed_at, o.received_at) AS state_since
  FROM orders o LEFT JOIN state_changes s ON s.order_id = o.order_id AND s.state = o.state`;

export async function listOrders(db: Pool, filter: { state: string; operatorId?: string; limit: number }): Promise<CrmOrder[]> {
  const { rows } = await db.query<CrmOrder>(
    `${SELECT_ORDER} WHERE o.state = $1 AND ($2::text IS NULL OR o.operator_id = $2) ORDER BY coalesce(s.changed_at, o.received_at), o.order_id LIMIT $3`,
    [filter.state, filter.operatorId ?? null, filter.limit],
  );
  return rows;
}

export async function findOrder(db: Pool | ClientBase, orderId: string): Promise<CrmOrder | undefined> {
  const { rows } = await db.query<CrmOrder>(`${SELECT_ORDER} WHERE o.order_id = $1`, [orderId]);
  return rows[0];
}

export async function pendingCount(db: Pool): Promise<number> {
  const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM orders WHERE state = 'pending'`);
  return rows[0]?.n ?? 0;
}

import type { Micros, OrderStatus } from '../timeline';
import type { Sql } from './db';
import { micros, timestampParam } from './sql-time';

/*
 * The lost-order sweeper's queries on the orders table: take the orders whose deadline has passed,
 * and move their status on with guarded updates.
 */

/** An order whose deadline has passed, locked for the rest of the sweeper's transaction. */
export interface DueOrder {
  readonly orderId: string;
  readonly status: OrderStatus;
  readonly state: string;
  readonly stateSince: Micros;
  readonly nextDeadlineAt: Micros;
  /** The trace of the order's last event (in event time), if it has one. */
  readonly traceId: string | null;
}

/**
 * The due orders, earliest deadline first, at most $2 of them, each locked. The partial index
 * orders_deadline hands them over in deadline order, so the statement reads the due rows and stops
 * at the first one that is not due: its cost follows the orders due, not the orders open. SKIP LOCKED
 * leaves rows another sweeper (or an apply transaction) holds to that one: two trackers never take
 * the same order, and the sweeper never waits.
 */
export const DUE_ORDERS_SQL = `SELECT o.order_id, o.status, o.state, ${micros('o.state_since')} AS state_since,
       ${micros('o.next_deadline_at')} AS next_deadline_at, e.trace_id
FROM orders o LEFT JOIN events e ON e.event_id = o.last_event_id
WHERE o.next_deadline_at <= $1::timestamptz
ORDER BY o.next_deadline_at
LIMIT $2
FOR UPDATE OF o SKIP LOCKED`;

/**
 * The due orders of one source's history clock (migration 007): as {@link DUE_ORDERS_SQL}, through
 * the partial index orders_history_deadline, for orders judged against the event time `$1` that the
 * source's history has reached.
 */
const DUE_HISTORY_ORDERS_SQL = `SELECT o.order_id, o.status, o.state, ${micros('o.state_since')} AS state_since,
       ${micros('o.history_deadline_at')} AS next_deadline_at, e.trace_id
FROM orders o LEFT JOIN events e ON e.event_id = o.last_event_id
WHERE o.clock_source = $3 AND o.history_deadline_at <= $1::timestamptz
ORDER BY o.history_deadline_at
LIMIT $2
FOR UPDATE OF o SKIP LOCKED`;

/** Whose clock judges an order's limits: the wall clock, or a source's history clock (see migration 007). */
export type OrderClock = { readonly kind: 'wall' } | { readonly kind: 'history'; readonly source: string };
export const WALL_CLOCK: OrderClock = { kind: 'wall' };

/** Takes (locks) at most `limit` orders on `clock` whose deadline is at or before `now` (that clock's time). */
export async function takeDueOrders(sql: Sql, now: Micros, limit: number, clock: OrderClock = WALL_CLOCK): Promise<DueOrder[]> {
  const rows = await sql.query<{ order_id: string; status: OrderStatus; state: string; state_since: number; next_deadline_at: number; trace_id: string | null }>(
    clock.kind === 'wall' ? DUE_ORDERS_SQL : DUE_HISTORY_ORDERS_SQL,
    clock.kind === 'wall' ? [timestampParam(now), limit] : [timestampParam(now), limit, clock.source],
  );
  return rows.map((r) => ({
    orderId: r.order_id,
    status: r.status,
    state: r.state,
    stateSince: r.state_since,
    nextDeadlineAt: r.next_deadline_at,
    traceId: r.trace_id,
  }));
}

/** A status to write, guarded by what the sweeper saw. */
export interface StatusWrite {
  readonly orderId: string;
  /** The status and stay the decision was made on. */
  readonly seen: { readonly status: OrderStatus; readonly state: string; readonly stateSince: Micros };
  readonly status: OrderStatus;
  readonly nextDeadlineAt: Micros | null;
}

/**
 * Writes statuses and next deadlines with one guarded update: a row changes only while its status and
 * stay are still those the decision was made on, so an event applied in between wins. Resolves to
 * the ids of the orders written.
 */
export async function writeStatuses(sql: Sql, writes: readonly StatusWrite[], clock: OrderClock = WALL_CLOCK): Promise<Set<string>> {
  if (writes.length === 0) return new Set();
  const deadline = clock.kind === 'wall' ? 'next_deadline_at' : 'history_deadline_at';
  const rows = await sql.query<{ order_id: string }>(
    // "= ANY" lets the planner reach the rows through the primary key instead of hashing the table.
    `UPDATE orders o SET status = w.status, ${deadline} = w.next_deadline_at, updated_at = now()
     FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::text[], $6::timestamptz[])
       AS w(order_id, seen_status, seen_state, seen_since, status, next_deadline_at)
     WHERE o.order_id = w.order_id AND o.order_id = ANY($1::text[])
       AND o.status = w.seen_status AND o.state = w.seen_state AND o.state_since = w.seen_since
     RETURNING o.order_id`,
    [
      writes.map((w) => w.orderId),
      writes.map((w) => w.seen.status),
      writes.map((w) => w.seen.state),
      writes.map((w) => timestampParam(w.seen.stateSince)),
      writes.map((w) => w.status),
      writes.map((w) => timestampParam(w.nextDeadlineAt)),
    ],
  );
  return new Set(rows.map((r) => r.order_id));
}

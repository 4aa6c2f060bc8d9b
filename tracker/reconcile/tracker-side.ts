import { micros, timestampParam, type Sql } from '../store';
import type { Micros } from '../timeline';
import type { SeenEvent, TrackedOrder } from './compare';

const ORDER_COLUMNS = `order_id, state, ${micros('state_since')} AS state_since, ${micros('first_event_at')} AS first_event_at, ${micros('last_event_at')} AS last_event_at`;

interface OrderDbRow {
  order_id: string;
  state: string;
  state_since: number;
  first_event_at: number;
  last_event_at: number;
}

const toOrder = (r: OrderDbRow): TrackedOrder => ({ orderId: r.order_id, state: r.state, stateSince: r.state_since, firstEventAt: r.first_event_at, lastEventAt: r.last_event_at });

/** The tracker's orders whose last event is in [from, to). */
export async function trackedOrdersInWindow(sql: Sql, from: Micros, to: Micros): Promise<TrackedOrder[]> {
  const rows = await sql.query<OrderDbRow>(
    `SELECT ${ORDER_COLUMNS} FROM orders WHERE state IS NOT NULL AND last_event_at >= $1::timestamptz AND last_event_at < $2::timestamptz`,
    [timestampParam(from), timestampParam(to)],
  );
  return rows.map(toOrder);
}

/** The tracker's orders of the given ids (those it has). */
export async function trackedOrdersOf(sql: Sql, orderIds: readonly string[]): Promise<TrackedOrder[]> {
  if (orderIds.length === 0) return [];
  const rows = await sql.query<OrderDbRow>(`SELECT ${ORDER_COLUMNS} FROM orders WHERE state IS NOT NULL AND order_id = ANY($1::text[])`, [orderIds]);
  return rows.map(toOrder);
}

/**
 * The events in [from, to) of the orders that may hold a duplicated step: those with one state
 * reported by two or more sources in the window. Their other events come along, since whether two
 * reports are one step depends on what lies between them.
 */
export async function eventsOfDuplicateSuspects(sql: Sql, from: Micros, to: Micros): Promise<SeenEvent[]> {
  const rows = await sql.query<{ order_id: string; state: string; source: string; event_id: string; occurred_at: number; seq: number }>(
    `WITH window_events AS (
       SELECT * FROM events WHERE occurred_at >= $1::timestamptz AND occurred_at < $2::timestamptz
     ), suspects AS (
       SELECT DISTINCT order_id FROM window_events GROUP BY order_id, state HAVING count(DISTINCT source) > 1
     )
     SELECT e.order_id, e.state, e.source, e.event_id::text AS event_id, ${micros('e.occurred_at')} AS occurred_at, e.seq::float8 AS seq
     FROM window_events e JOIN suspects USING (order_id)
     ORDER BY e.order_id, e.occurred_at, e.seq, e.event_id`,
    [timestampParam(from), timestampParam(to)],
  );
  return rows.map((r) => ({ orderId: r.order_id, state: r.state, source: r.source, eventId: r.event_id, occurredAt: r.occurred_at, seq: r.seq }));
}

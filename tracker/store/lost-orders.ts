import type { Micros } from '../timeline';
import type { Sql } from './db';
import { ORDER_COLUMNS, orderPageQuery, toOrderRow, type OrderFilter, type OrderListPosition, type OrderRecord, type OrderRow } from './orders-table';
import { micros } from './sql-time';

/** A lost order with what on-call needs to chase it: when and why it was declared lost, and its last trace. */
export interface LostOrderRow extends OrderRow {
  /** When the detector declared it lost (wall clock); null only if its status_changes row is missing. */
  readonly lostAt: Micros | null;
  /** lost_after or handoff_missed. */
  readonly reason: string | null;
  /** For a missed handoff, its next state. */
  readonly handoffTo: string | null;
  /** The trace of the order's last event. */
  readonly traceId: string | null;
  readonly spanId: string | null;
}

/**
 * Lost orders matching `filter` (state, segment), longest in their state first, after `after`: the
 * page is taken from the orders_flagged index like any order list, then each of its orders is joined
 * to its last loss and to its last event.
 */
export async function listLostOrders(
  sql: Sql,
  filter: Omit<OrderFilter, 'status'>,
  after: OrderListPosition | undefined,
  limit: number,
): Promise<LostOrderRow[]> {
  const page = orderPageQuery(`${ORDER_COLUMNS}, last_event_id, orders.state_since AS since_key`, { ...filter, status: 'lost' }, after, limit);
  const rows = await sql.query<OrderRecord & { lost_at: number | null; reason: string | null; handoff_to: string | null; trace_id: string | null; span_id: string | null }>(
    `SELECT o.*, l.lost_at, l.reason, l.handoff_to, e.trace_id, e.span_id
     FROM (${page.text}) o
     LEFT JOIN LATERAL (
       SELECT ${micros('c.at')} AS lost_at, c.reason, c.handoff_to FROM status_changes c
       WHERE c.order_id = o.order_id AND c.to_status = 'lost' ORDER BY c.at DESC, c.id DESC LIMIT 1
     ) l ON true
     LEFT JOIN events e ON e.event_id = o.last_event_id
     ORDER BY o.since_key, o.order_id`,
    page.params,
  );
  return rows.map((r) => ({
    ...toOrderRow(r),
    lostAt: r.lost_at,
    reason: r.reason,
    handoffTo: r.handoff_to,
    traceId: r.trace_id,
    spanId: r.span_id,
  }));
}

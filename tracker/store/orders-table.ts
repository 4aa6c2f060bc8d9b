import { OrderscopeError } from '../../common';
import type { Micros, OrderPosition, OrderStatus } from '../timeline';
import type { Sql } from './db';
import { fromMicros, micros, timestampParam } from './sql-time';

/** An order as the API shows it: where it is and a summary of its events. */
export interface OrderRow {
  readonly orderId: string;
  readonly state: string;
  readonly system: string;
  readonly stateSince: Micros;
  readonly status: OrderStatus;
  readonly firstEventAt: Micros;
  readonly lastEventAt: Micros;
  readonly segment: string | null;
  readonly operatorId: string | null;
  readonly eventCount: number;
  readonly violationCount: number;
}

/** An order's stored position and the status the lost-order detector gave it. */
export interface StoredPosition {
  readonly position: OrderPosition;
  readonly status: OrderStatus;
  /** The source whose history clock judges it, when the order is history; null when it is live. */
  readonly clockSource: string | null;
}

/**
 * Locks the rows of the given orders that exist, for the rest of the transaction, and reads their
 * positions, in one statement: `existing` holds every order with a row, `positions` those of them with
 * a position (a row without one is only ever seen by the transaction writing it). Orders seen for the
 * first time are in neither; {@link savePositions} creates their rows. Rows are locked in order_id order, so two transactions that touch the same
 * orders wait for each other instead of deadlocking, and `FOR UPDATE` reads the row as the first one
 * committed it: the second builds on the first one's events. (Row locks, not advisory locks: a batch
 * may touch thousands of orders, more than the shared lock table holds.)
 */
export async function lockPositions(sql: Sql, orderIds: readonly string[]): Promise<LockedPositions> {
  if (orderIds.length === 0) return { positions: new Map(), existing: new Set() };
  const rows = await sql.query<{
    order_id: string;
    state: string | null;
    system: string;
    status: OrderStatus;
    state_since: number;
    state_event_id: string;
    stay_count: number;
    first_event_at: number;
    last_event_at: number;
    last_event_seq: number;
    last_event_id: string;
    segment: string | null;
    operator_id: string | null;
    event_count: number;
    violation_count: number;
    clock_source: string | null;
  }>(
    `SELECT order_id, state, system, status, clock_source, ${micros('state_since')} AS state_since, state_event_id::text AS state_event_id, stay_count,
            ${micros('first_event_at')} AS first_event_at, ${micros('last_event_at')} AS last_event_at, last_event_seq::float8 AS last_event_seq,
            last_event_id::text AS last_event_id, segment, operator_id, event_count, violation_count
     FROM orders WHERE order_id = ANY($1::text[]) ORDER BY order_id FOR UPDATE`,
    [orderIds],
  );
  const positions = new Map(
    rows.filter((r): r is typeof r & { state: string } => r.state !== null).map((r) => [
      r.order_id,
      {
        status: r.status,
        clockSource: r.clock_source,
        position: {
          current: { seqNo: r.stay_count - 1, state: r.state, system: r.system, enteredAt: r.state_since, leftAt: null, durationSeconds: null, enteredEventId: r.state_event_id },
          lastEvent: { occurredAt: r.last_event_at, seq: r.last_event_seq, eventId: r.last_event_id },
          firstEventAt: r.first_event_at,
          eventCount: r.event_count,
          violationCount: r.violation_count,
          segment: r.segment,
          operatorId: r.operator_id,
        },
      },
    ]),
  );
  return { positions, existing: new Set(rows.map((r) => r.order_id)) };
}

/** What {@link lockPositions} found. */
export interface LockedPositions {
  readonly positions: ReadonlyMap<string, StoredPosition>;
  readonly existing: ReadonlySet<string>;
}

/** What apply writes of an order: its position, its status and when the lost-order detector must look at it next. */
export interface PositionWrite {
  readonly orderId: string;
  readonly position: OrderPosition;
  readonly status: OrderStatus;
  /** Null when there is nothing to wait for (done, lost, a state without limits). */
  readonly nextDeadlineAt: Micros | null;
  /**
   * The source whose event-time clock judges the order's limits, when the order is history (its
   * newest event arrived long after it occurred); null: the wall clock (migration 007).
   */
  readonly clockSource: string | null;
}

/**
 * Another transaction created an order's row between this one's {@link lockPositions} and its write.
 * Retriable: run again, the transaction finds the row and locks it.
 */
export class ConcurrentOrderCreation extends OrderscopeError {
  constructor(orderIds: readonly string[]) {
    super(`another transaction created order ${orderIds.slice(0, 3).join(', ')}${orderIds.length > 3 ? ` and ${orderIds.length - 3} more` : ''} at the same time`, {
      code: 'concurrent_creation',
      retriable: true,
    });
  }
}

/** The columns of a position, in the order of {@link positionArrays}. */
const POSITION_COLUMNS = `order_id, state, system, state_since, state_event_id, stay_count, status, first_event_at, last_event_at, last_event_seq,
  last_event_id, segment, operator_id, event_count, violation_count, next_deadline_at, clock_source`;
const POSITION_UNNEST = `(SELECT order_id, state, system, ${fromMicros('state_since')} AS state_since, state_event_id, stay_count, status,
    ${fromMicros('first_event_at')} AS first_event_at, ${fromMicros('last_event_at')} AS last_event_at, last_event_seq, last_event_id, segment,
    operator_id, event_count, violation_count, ${fromMicros('next_deadline_at')} AS next_deadline_at, clock_source
  FROM unnest($1::text[], $2::text[], $3::text[], $4::float8[], $5::uuid[], $6::int[], $7::text[], $8::float8[], $9::float8[],
    $10::int8[], $11::uuid[], $12::text[], $13::text[], $14::int[], $15::int[], $16::float8[], $17::text[]) AS r(${POSITION_COLUMNS})) AS u`;

/**
 * Writes positions: orders {@link lockPositions} found are updated, the others inserted (their first
 * events). An order another transaction inserted in between (two consumers on one new order, during a
 * rebalance) fails the transaction with {@link ConcurrentOrderCreation}, a transient error: applied
 * again, it finds that row and builds on it. (Inserting the new rows once, instead of an empty row to
 * lock and then the position, halves what a new order costs.)
 */
export async function savePositions(sql: Sql, rows: readonly PositionWrite[], existing: ReadonlySet<string>): Promise<void> {
  const updates = rows.filter((r) => existing.has(r.orderId));
  // In order_id order, as the locks: two transactions creating the same orders wait instead of deadlocking.
  const inserts = rows.filter((r) => !existing.has(r.orderId)).sort((a, b) => (a.orderId < b.orderId ? -1 : a.orderId > b.orderId ? 1 : 0));
  if (updates.length > 0) {
    // "= ANY" lets the planner reach the rows through the primary key: joined to the array alone, it may hash the whole table.
    await sql.query(
      `UPDATE orders o SET state = u.state, system = u.system, state_since = u.state_since, state_event_id = u.state_event_id, stay_count = u.stay_count,
         status = u.status, first_event_at = u.first_event_at, last_event_at = u.last_event_at, last_event_seq = u.last_event_seq,
         last_event_id = u.last_event_id, segment = u.segment, operator_id = u.operator_id, event_count = u.event_count,
         violation_count = u.violation_count, updated_at = now(), clock_source = u.clock_source,
         next_deadline_at = CASE WHEN u.clock_source IS NULL THEN u.next_deadline_at END,
         history_deadline_at = CASE WHEN u.clock_source IS NOT NULL THEN u.next_deadline_at END
       FROM ${POSITION_UNNEST}
       WHERE o.order_id = u.order_id AND o.order_id = ANY($1::text[])`,
      positionArrays(updates),
    );
  }
  if (inserts.length > 0) {
    const created = await sql.query<{ order_id: string }>(
      `INSERT INTO orders (order_id, state, system, state_since, state_event_id, stay_count, status, first_event_at, last_event_at, last_event_seq,
         last_event_id, segment, operator_id, event_count, violation_count, clock_source, next_deadline_at, history_deadline_at)
       SELECT order_id, state, system, state_since, state_event_id, stay_count, status, first_event_at, last_event_at, last_event_seq,
         last_event_id, segment, operator_id, event_count, violation_count, clock_source,
         CASE WHEN clock_source IS NULL THEN next_deadline_at END, CASE WHEN clock_source IS NOT NULL THEN next_deadline_at END
       FROM ${POSITION_UNNEST}
       ON CONFLICT (order_id) DO NOTHING
       RETURNING order_id`,
      positionArrays(inserts),
    );
    if (created.length < inserts.length) {
      const done = new Set(created.map((r) => r.order_id));
      throw new ConcurrentOrderCreation(inserts.map((r) => r.orderId).filter((id) => !done.has(id)));
    }
  }
}

/** The statement parameters of {@link POSITION_UNNEST}. */
function positionArrays(rows: readonly PositionWrite[]): unknown[] {
  const p = rows.map((r) => r.position);
  return [
    rows.map((r) => r.orderId),
    p.map((x) => x.current.state),
    p.map((x) => x.current.system),
    p.map((x) => x.current.enteredAt),
    p.map((x) => x.current.enteredEventId),
    p.map((x) => x.current.seqNo + 1),
    rows.map((r) => r.status),
    p.map((x) => x.firstEventAt),
    p.map((x) => x.lastEvent.occurredAt),
    p.map((x) => x.lastEvent.seq),
    p.map((x) => x.lastEvent.eventId),
    p.map((x) => x.segment),
    p.map((x) => x.operatorId),
    p.map((x) => x.eventCount),
    p.map((x) => x.violationCount),
    rows.map((r) => r.nextDeadlineAt),
    rows.map((r) => r.clockSource),
  ];
}

/** The columns of an {@link OrderRow}, times in microseconds. */
export const ORDER_COLUMNS = `order_id, state, system, ${micros('state_since')} AS state_since, status, ${micros('first_event_at')} AS first_event_at,
  ${micros('last_event_at')} AS last_event_at, segment, operator_id, event_count, violation_count`;

/** An orders row as {@link ORDER_COLUMNS} reads it. */
export type OrderRecord = {
  order_id: string;
  state: string;
  system: string;
  state_since: number;
  status: OrderStatus;
  first_event_at: number;
  last_event_at: number;
  segment: string | null;
  operator_id: string | null;
  event_count: number;
  violation_count: number;
};

export const toOrderRow = (r: OrderRecord): OrderRow => ({
  orderId: r.order_id,
  state: r.state,
  system: r.system,
  stateSince: r.state_since,
  status: r.status,
  firstEventAt: r.first_event_at,
  lastEventAt: r.last_event_at,
  segment: r.segment,
  operatorId: r.operator_id,
  eventCount: r.event_count,
  violationCount: r.violation_count,
});

export async function getOrder(sql: Sql, orderId: string): Promise<OrderRow | undefined> {
  const rows = await sql.query<OrderRecord>(`SELECT ${ORDER_COLUMNS} FROM orders WHERE order_id = $1`, [orderId]);
  return rows[0] && toOrderRow(rows[0]);
}

export interface OrderFilter {
  readonly state?: string;
  readonly status?: string;
  readonly segment?: string;
}

/** Where a page ends: the sort key of its last order. */
export interface OrderListPosition {
  readonly stateSince: Micros;
  readonly orderId: string;
}

/**
 * Orders matching `filter`, longest in their current state first (state_since, then order_id, a
 * total order), starting after `after`: keyset pagination, as fast on page 1000 as on page 1.
 */
export async function listOrders(sql: Sql, filter: OrderFilter, after: OrderListPosition | undefined, limit: number): Promise<OrderRow[]> {
  const page = orderPageQuery(ORDER_COLUMNS, filter, after, limit);
  const rows = await sql.query<OrderRecord>(page.text, page.params);
  return rows.map(toOrderRow);
}

/**
 * The statement of one page of an order list: `columns` of the orders matching `filter`, in the
 * list's order (state_since, order_id), after `after`. Other lists wrap it to join more to the page.
 */
export function orderPageQuery(columns: string, filter: OrderFilter, after: OrderListPosition | undefined, limit: number): { text: string; params: unknown[] } {
  const params: unknown[] = [];
  const where: string[] = [];
  const param = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  if (filter.state !== undefined) where.push(`state = ${param(filter.state)}`);
  if (filter.status !== undefined) where.push(`status = ${param(filter.status)}`);
  if (filter.segment !== undefined) where.push(`segment = ${param(filter.segment)}`);
  if (after) where.push(`(state_since, order_id) > (${param(timestampParam(after.stateSince))}::timestamptz, ${param(after.orderId)})`);
  return {
    // Qualified: a bare state_since would sort by the output column (microseconds, an expression)
    // instead of walking an index in order.
    text: `SELECT ${columns} FROM orders ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY orders.state_since, orders.order_id LIMIT ${param(limit)}`,
    params,
  };
}

/** Per state: how many orders are in it now, since when the longest-waiting one is, and how many are stuck. */
export interface StateOccupancy {
  readonly state: string;
  readonly orders: number;
  /** state_since of the order longest in the state; null when the state is empty. */
  readonly oldestSince: Micros | null;
  /** Orders in the state with status stuck. */
  readonly stuck: number;
}

/**
 * Occupancy of the given states, one index probe per state (count and min over orders_state, an
 * index-only scan), whatever the number of finished orders; the stuck counts from the few rows of
 * the orders_flagged index. Stuck counts live orders only: a backfill's orders stuck where their
 * history stops are in the reports, and would otherwise hold OrdersStuck open for good.
 */
export async function stateOccupancy(sql: Sql, states: readonly string[]): Promise<StateOccupancy[]> {
  if (states.length === 0) return [];
  const rows = await sql.query<{ state: string; orders: number; oldest: number | null; stuck: number | null }>(
    `SELECT s.state, c.orders, c.oldest, f.stuck
     FROM unnest($1::text[]) AS s(state)
     CROSS JOIN LATERAL (SELECT count(*)::float8 AS orders, ${micros('min(o.state_since)')} AS oldest FROM orders o WHERE o.state = s.state) c
     LEFT JOIN (SELECT state, count(*)::float8 AS stuck FROM orders WHERE status = 'stuck' AND clock_source IS NULL GROUP BY state) f ON f.state = s.state`,
    [states],
  );
  return rows.map((r) => ({ state: r.state, orders: r.orders, oldestSince: r.oldest, stuck: r.stuck ?? 0 }));
}

/** Which of `orderIds` are history (judged in event time on a source's clock): never acted on as live incidents. */
export async function historyOrders(sql: Sql, orderIds: readonly string[]): Promise<Set<string>> {
  if (orderIds.length === 0) return new Set();
  const rows = await sql.query<{ order_id: string }>('SELECT order_id FROM orders WHERE order_id = ANY($1::text[]) AND clock_source IS NOT NULL', [orderIds]);
  return new Set(rows.map((r) => r.order_id));
}

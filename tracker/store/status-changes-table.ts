import type { Micros, OrderStatus } from '../timeline';
import type { Sql } from './db';
import { micros, timestampParam } from './sql-time';

/** One status change of an order, as the detector records it (see migration 002). */
export interface StatusChange {
  readonly orderId: string;
  readonly fromStatus: OrderStatus;
  readonly toStatus: OrderStatus;
  /** The state the order was flagged in (for a recovery, the state it had been flagged in). */
  readonly state: string;
  /** expect_within, lost_after, handoff_missed or moved_on. */
  readonly reason: string;
  /** For a missed handoff, its next state: the handoff is `state` -> `handoffTo`. */
  readonly handoffTo: string | null;
  /** The limit that was passed (state_since + limit); null for a recovery. */
  readonly deadlineAt: Micros | null;
  /** When the change happened: the wall clock, or for a backfill flag the event time its limit passed at. */
  readonly at: Micros;
  readonly traceId: string | null;
  /** Raised in event time while history was applied (migration 007): recorded, never counted or paged. */
  readonly backfill?: boolean;
}

/** Appends status changes, in one statement. */
export async function insertStatusChanges(sql: Sql, changes: readonly StatusChange[]): Promise<void> {
  if (changes.length === 0) return;
  await sql.query(
    `INSERT INTO status_changes (order_id, from_status, to_status, state, reason, handoff_to, deadline_at, at, trace_id, backfill)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[], $8::timestamptz[], $9::text[], $10::boolean[])`,
    [
      changes.map((c) => c.orderId),
      changes.map((c) => c.fromStatus),
      changes.map((c) => c.toStatus),
      changes.map((c) => c.state),
      changes.map((c) => c.reason),
      changes.map((c) => c.handoffTo),
      changes.map((c) => timestampParam(c.deadlineAt)),
      changes.map((c) => timestampParam(c.at)),
      changes.map((c) => c.traceId),
      changes.map((c) => c.backfill ?? false),
    ],
  );
}

/**
 * Takes back the history judged for the given orders (the changes marked backfill): apply judges a
 * history order again from all its stays whenever it gets events, so what it records never depends
 * on how the history was cut into batches, nor on a sweep that ran before the rest of it arrived.
 */
export async function deleteBackfillChanges(sql: Sql, orderIds: readonly string[]): Promise<void> {
  if (orderIds.length === 0) return;
  await sql.query('DELETE FROM status_changes WHERE order_id = ANY($1::text[]) AND backfill', [orderIds]);
}

/** The columns of a status change, read back with times in microseconds. */
const STATUS_CHANGE_COLUMNS = `order_id, from_status, to_status, state, reason, handoff_to, ${micros('deadline_at')} AS deadline_at, ${micros('at')} AS at, trace_id`;

/** A status_changes row as {@link STATUS_CHANGE_COLUMNS} reads it. */
interface StatusChangeRecord {
  order_id: string;
  from_status: OrderStatus;
  to_status: OrderStatus;
  state: string;
  reason: string;
  handoff_to: string | null;
  deadline_at: number | null;
  at: number;
  trace_id: string | null;
}

const toStatusChange = (r: StatusChangeRecord): StatusChange => ({
  orderId: r.order_id,
  fromStatus: r.from_status,
  toStatus: r.to_status,
  state: r.state,
  reason: r.reason,
  handoffTo: r.handoff_to,
  deadlineAt: r.deadline_at,
  at: r.at,
  traceId: r.trace_id,
});

/** One order's status history, oldest first. */
export async function orderStatusHistory(sql: Sql, orderId: string): Promise<StatusChange[]> {
  const rows = await sql.query<StatusChangeRecord>(`SELECT ${STATUS_CHANGE_COLUMNS} FROM status_changes WHERE order_id = $1 ORDER BY at, id`, [orderId]);
  return rows.map(toStatusChange);
}

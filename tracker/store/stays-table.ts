import type { Micros, Stay } from '../timeline';
import type { Sql } from './db';
import { fromMicros, micros } from './sql-time';

/** A closed stay with the order it belongs to (the open one is on the order's row). */
export interface StoredStay extends Stay {
  readonly orderId: string;
  readonly leftAt: Micros;
  readonly durationSeconds: number;
}

/** The closed stays of the given orders (in no particular order; seqNo gives each order's order). */
export async function loadStays(sql: Sql, orderIds: readonly string[]): Promise<StoredStay[]> {
  const rows = await sql.query<{
    order_id: string;
    seq_no: number;
    state: string;
    system: string;
    entered_at: number;
    left_at: number;
    duration_seconds: number;
    entered_event_id: string;
  }>(
    `SELECT order_id, seq_no, state, system, ${micros('entered_at')} AS entered_at, ${micros('left_at')} AS left_at,
            duration_seconds, entered_event_id::text AS entered_event_id
     FROM stays WHERE order_id = ANY($1::text[])`,
    [orderIds],
  );
  return rows.map((r) => ({
    orderId: r.order_id,
    seqNo: r.seq_no,
    state: r.state,
    system: r.system,
    enteredAt: r.entered_at,
    leftAt: r.left_at,
    durationSeconds: r.duration_seconds,
    enteredEventId: r.entered_event_id,
  }));
}

/** Writes closed stays, replacing the ones at the same (order, seq_no). */
export async function upsertStays(sql: Sql, stays: readonly StoredStay[]): Promise<void> {
  if (stays.length === 0) return;
  await sql.query(
    `INSERT INTO stays (order_id, seq_no, state, system, entered_at, left_at, duration_seconds, entered_event_id)
     SELECT order_id, seq_no, state, system, ${fromMicros('entered_at')}, ${fromMicros('left_at')}, duration_seconds, entered_event_id
     FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::float8[], $6::float8[], $7::float8[], $8::uuid[])
       AS u(order_id, seq_no, state, system, entered_at, left_at, duration_seconds, entered_event_id)
     ON CONFLICT (order_id, seq_no) DO UPDATE SET
       state = EXCLUDED.state, system = EXCLUDED.system, entered_at = EXCLUDED.entered_at, left_at = EXCLUDED.left_at,
       duration_seconds = EXCLUDED.duration_seconds, entered_event_id = EXCLUDED.entered_event_id`,
    [
      stays.map((s) => s.orderId),
      stays.map((s) => s.seqNo),
      stays.map((s) => s.state),
      stays.map((s) => s.system),
      stays.map((s) => s.enteredAt),
      stays.map((s) => s.leftAt),
      stays.map((s) => s.durationSeconds),
      stays.map((s) => s.enteredEventId),
    ],
  );
}

/** Deletes each order's stays from `fromSeqNo` on (its timeline got shorter). */
export async function deleteStaysFrom(sql: Sql, cuts: readonly { orderId: string; fromSeqNo: number }[]): Promise<void> {
  if (cuts.length === 0) return;
  await sql.query(
    // "= ANY" lets the planner reach the rows through the primary key instead of scanning the table.
    `DELETE FROM stays s USING unnest($1::text[], $2::int[]) AS c(order_id, from_seq_no)
     WHERE s.order_id = c.order_id AND s.seq_no >= c.from_seq_no AND s.order_id = ANY($1::text[])`,
    [cuts.map((c) => c.orderId), cuts.map((c) => c.fromSeqNo)],
  );
}

import type { Micros } from '../timeline';
import type { Sql } from './db';
import { micros, timestampParam } from './sql-time';

export type RedriveResult = 'pending' | 'done' | 'failed';

/** One redrive attempt of an order (migration 006). */
export interface RedriveRow {
  readonly id: number;
  readonly orderId: string;
  readonly state: string;
  readonly source: string;
  readonly action: string;
  readonly idempotencyKey: string;
  readonly requestedBy: string;
  readonly requestedAt: Micros;
  readonly result: RedriveResult;
  readonly answer: string;
}

export type NewRedrive = Omit<RedriveRow, 'id' | 'result' | 'answer'>;

const COLUMNS = `id::float8 AS id, order_id, state, source, action, idempotency_key, requested_by, ${micros('requested_at')} AS requested_at, result, answer`;

type Row = { id: number; order_id: string; state: string; source: string; action: string; idempotency_key: string; requested_by: string; requested_at: number; result: RedriveResult; answer: string };
const toRedrive = (r: Row): RedriveRow => ({
  id: r.id,
  orderId: r.order_id,
  state: r.state,
  source: r.source,
  action: r.action,
  idempotencyKey: r.idempotency_key,
  requestedBy: r.requested_by,
  requestedAt: r.requested_at,
  result: r.result,
  answer: r.answer,
});

/**
 * Records a redrive about to run (pending), unless this order already has one under the same
 * idempotency key: then that one comes back, and `created` is false (the caller must not act again).
 */
export async function startRedrive(sql: Sql, redrive: NewRedrive): Promise<{ row: RedriveRow; created: boolean }> {
  const inserted = await sql.query<Row>(
    `INSERT INTO redrives (order_id, state, source, action, idempotency_key, requested_by, requested_at, result)
     VALUES ($1, $2, $3, $4, $5, $6, $7::timestamptz, 'pending')
     ON CONFLICT (order_id, idempotency_key) DO NOTHING
     RETURNING ${COLUMNS}`,
    [redrive.orderId, redrive.state, redrive.source, redrive.action, redrive.idempotencyKey, redrive.requestedBy, timestampParam(redrive.requestedAt)],
  );
  if (inserted[0]) return { row: toRedrive(inserted[0]), created: true };
  return { row: (await findRedrive(sql, redrive.orderId, redrive.idempotencyKey))!, created: false };
}

/** The redrive of `orderId` asked for under `idempotencyKey`, if there is one. */
export async function findRedrive(sql: Sql, orderId: string, idempotencyKey: string): Promise<RedriveRow | undefined> {
  const [row] = await sql.query<Row>(`SELECT ${COLUMNS} FROM redrives WHERE order_id = $1 AND idempotency_key = $2`, [orderId, idempotencyKey]);
  return row && toRedrive(row);
}

/** Records what a redrive's call answered. */
export async function finishRedrive(sql: Sql, id: number, result: Exclude<RedriveResult, 'pending'>, answer: string): Promise<RedriveRow> {
  const [row] = await sql.query<Row>(`UPDATE redrives SET result = $2, answer = $3 WHERE id = $1 RETURNING ${COLUMNS}`, [id, result, answer]);
  return toRedrive(row!);
}

/** An order's redrives, oldest first: its recovery's audit trail. */
export async function orderRedrives(sql: Sql, orderId: string): Promise<RedriveRow[]> {
  return (await sql.query<Row>(`SELECT ${COLUMNS} FROM redrives WHERE order_id = $1 ORDER BY requested_at, id`, [orderId])).map(toRedrive);
}

/**
 * The automatic redrives already made of each of `orderIds` since the order entered its state: how
 * many, and when the last one was asked for (the automatic policy's attempts and backoff).
 */
export async function autoRedriveCounts(sql: Sql, orderIds: readonly string[]): Promise<Map<string, { attempts: number; lastAt: Micros }>> {
  const rows = await sql.query<{ order_id: string; attempts: number; last_at: number }>(
    `SELECT r.order_id, count(*)::float8 AS attempts, ${micros('max(r.requested_at)')} AS last_at
     FROM redrives r JOIN orders o ON o.order_id = r.order_id
     WHERE r.order_id = ANY($1::text[]) AND r.requested_by = 'auto' AND r.requested_at >= o.state_since AND r.state = o.state
     GROUP BY r.order_id`,
    [orderIds],
  );
  return new Map(rows.map((r) => [r.order_id, { attempts: r.attempts, lastAt: r.last_at }]));
}

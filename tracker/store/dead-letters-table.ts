import type { Micros } from '../timeline';
import type { Sql } from './db';
import { micros, timestampParam } from './sql-time';

/** Why a letter was set aside: the values of the `reason` label of `orderscope_dead_letters_total`. */
export const DEAD_LETTER_REASONS = ['not_json', 'invalid_event', 'data_exception', 'constraint_violation', 'apply_failed'] as const;
export type DeadLetterReason = (typeof DEAD_LETTER_REASONS)[number];

export const DEAD_LETTER_STATUSES = ['parked', 'retried', 'dropped'] as const;
export type DeadLetterStatus = (typeof DEAD_LETTER_STATUSES)[number];

/** One letter to set aside. */
export interface NewDeadLetter {
  /** What makes it the same letter when it fails again (see 004_dead_letters.sql). */
  readonly key: string;
  readonly raw: Buffer;
  readonly eventId: string | null;
  readonly orderId: string | null;
  readonly reason: DeadLetterReason;
  readonly error: string;
  /** Where it came from, as the bus said (stored as JSON). */
  readonly origin: object;
}

/** A stored letter: what was set aside, and what became of it. */
export interface DeadLetterRow extends Omit<NewDeadLetter, 'origin'> {
  readonly id: number;
  readonly origin: Record<string, unknown>;
  readonly status: DeadLetterStatus;
  readonly attempts: number;
  readonly firstFailedAt: Micros;
  readonly lastFailedAt: Micros;
  readonly resolvedBy: string | null;
  readonly resolvedAt: Micros | null;
}

export interface DeadLetterFilter {
  readonly status?: DeadLetterStatus;
  readonly reason?: DeadLetterReason;
}

/**
 * Sets letters aside in one statement. A letter already there (the same event failing again: a
 * redelivered batch, a failed retry) gets its error and time updated, one more attempt, and is parked
 * again; so setting aside is idempotent per letter.
 */
export async function insertDeadLetters(sql: Sql, letters: readonly NewDeadLetter[], at: Micros): Promise<void> {
  if (letters.length === 0) return;
  // Origins go as text[], each element cast, as events' attributes do (events-table.ts): PostgreSQL
  // reads a jsonb[] literal element by element, slower (15 times for the attributes), and a flood of
  // bad events is when this statement is busiest.
  await sql.query(
    `INSERT INTO dead_letters AS d (letter_key, raw, event_id, order_id, reason, error, origin, first_failed_at, last_failed_at)
     SELECT letter_key, raw, event_id, order_id, reason, error, origin::jsonb, $8::timestamptz, $8::timestamptz
     FROM unnest($1::text[], $2::bytea[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[])
       AS u(letter_key, raw, event_id, order_id, reason, error, origin)
     ORDER BY letter_key
     ON CONFLICT (letter_key) DO UPDATE SET
       reason = EXCLUDED.reason, error = EXCLUDED.error, last_failed_at = EXCLUDED.last_failed_at,
       attempts = d.attempts + 1, status = 'parked', resolved_by = NULL, resolved_at = NULL`,
    [
      letters.map((l) => l.key),
      letters.map((l) => l.raw),
      letters.map((l) => l.eventId),
      letters.map((l) => l.orderId),
      letters.map((l) => l.reason),
      letters.map((l) => l.error),
      letters.map((l) => JSON.stringify(l.origin)),
      timestampParam(at),
    ],
  );
}

const COLUMNS = `id::float8 AS id, letter_key, raw, event_id::text AS event_id, order_id, reason, error, origin, status, attempts,
  ${micros('first_failed_at')} AS first_failed_at, ${micros('last_failed_at')} AS last_failed_at,
  resolved_by, ${micros('resolved_at')} AS resolved_at`;

interface Row {
  id: number;
  letter_key: string;
  raw: Uint8Array;
  event_id: string | null;
  order_id: string | null;
  reason: DeadLetterReason;
  error: string;
  origin: Record<string, unknown>;
  status: DeadLetterStatus;
  attempts: number;
  first_failed_at: number;
  last_failed_at: number;
  resolved_by: string | null;
  resolved_at: number | null;
}

function fromRow(r: Row): DeadLetterRow {
  return {
    id: r.id,
    key: r.letter_key,
    // pg gives a Buffer, PGlite a Uint8Array.
    raw: Buffer.from(r.raw),
    eventId: r.event_id,
    orderId: r.order_id,
    reason: r.reason,
    error: r.error,
    origin: r.origin,
    status: r.status,
    attempts: r.attempts,
    firstFailedAt: r.first_failed_at,
    lastFailedAt: r.last_failed_at,
    resolvedBy: r.resolved_by,
    resolvedAt: r.resolved_at,
  };
}

/** Dead letters newest first, after the id `before` (keyset pagination), at most `limit`. */
export async function listDeadLetters(sql: Sql, filter: DeadLetterFilter, before: number | null, limit: number): Promise<DeadLetterRow[]> {
  const rows = await sql.query<Row>(
    `SELECT ${COLUMNS} FROM dead_letters
     WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR reason = $2) AND ($3::int8 IS NULL OR id < $3)
     ORDER BY id DESC LIMIT $4`,
    [filter.status ?? null, filter.reason ?? null, before, limit],
  );
  return rows.map(fromRow);
}

export async function getDeadLetter(sql: Sql, id: number): Promise<DeadLetterRow | undefined> {
  const rows = await sql.query<Row>(`SELECT ${COLUMNS} FROM dead_letters WHERE id = $1`, [id]);
  return rows[0] && fromRow(rows[0]);
}

/**
 * Moves a parked letter to `retried` or `dropped`, recording who and when. Guarded: resolves to false
 * when the letter is not parked (any more), so that two operators never both resolve it.
 */
export async function resolveDeadLetter(sql: Sql, id: number, to: Exclude<DeadLetterStatus, 'parked'>, by: string, at: Micros): Promise<boolean> {
  const rows = await sql.query(
    `UPDATE dead_letters SET status = $2, resolved_by = $3, resolved_at = $4::timestamptz
     WHERE id = $1 AND status = 'parked' RETURNING id`,
    [id, to, by, timestampParam(at)],
  );
  return rows.length === 1;
}

/** Parked letters per reason (every reason, 0 included). */
export async function parkedDeadLetters(sql: Sql): Promise<Record<DeadLetterReason, number>> {
  const rows = await sql.query<{ reason: DeadLetterReason; letters: number }>(
    `SELECT reason, count(*)::float8 AS letters FROM dead_letters WHERE status = 'parked' GROUP BY reason`,
  );
  const counts = Object.fromEntries(DEAD_LETTER_REASONS.map((r) => [r, 0])) as Record<DeadLetterReason, number>;
  for (const r of rows) counts[r.reason] = r.letters;
  return counts;
}

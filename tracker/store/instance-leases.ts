import type { Db, Sql } from './db';
import { micros, timestampParam } from './sql-time';

/** A process that wants, or holds, a tracker instance name. */
export interface LeaseClaim {
  readonly instance: string;
  /** Random per process. */
  readonly holder: string;
  readonly host: string;
  readonly pid: number;
}

/** Who holds an instance name, and until when (µs since the epoch). */
export interface LeaseHolder {
  readonly holder: string;
  readonly host: string;
  readonly pid: number;
  readonly expiresAt: number;
}

/**
 * Takes the lease of `claim.instance` until `expiresAtMs`, when nobody has it, this holder already has
 * it, or the holder's lease expired by `atMs`; otherwise leaves it and returns who holds it.
 *
 * The row is read `FOR UPDATE` before it is changed: that lock waits for the apply transactions that
 * hold it `FOR KEY SHARE` ({@link checkLeaseHolder}), so a takeover commits only between two applies
 * of the previous holder, and every apply after it sees the new holder.
 */
export async function takeLease(db: Db, claim: LeaseClaim, atMs: number, expiresAtMs: number): Promise<{ taken: true } | { taken: false; by: LeaseHolder | undefined }> {
  return db.transaction(async (tx) => {
    const params = [claim.instance, claim.holder, claim.host, claim.pid, timestampParam(atMs * 1000), timestampParam(expiresAtMs * 1000)];
    const inserted = await tx.query(
      `INSERT INTO tracker_instances (instance, holder, host, pid, acquired_at, expires_at) VALUES ($1, $2, $3, $4::int, $5::timestamptz, $6::timestamptz)
       ON CONFLICT (instance) DO NOTHING RETURNING holder`,
      params,
    );
    if (inserted.length > 0) return { taken: true };
    const [current] = await tx.query<LeaseHolder & { expired: boolean }>(
      `SELECT holder, host, pid, ${micros('expires_at')} AS "expiresAt", expires_at <= $2::timestamptz AS expired
       FROM tracker_instances WHERE instance = $1 FOR UPDATE`,
      [claim.instance, timestampParam(atMs * 1000)],
    );
    // Given up between the INSERT and the SELECT: the next attempt inserts.
    if (!current) return { taken: false, by: undefined };
    if (current.holder !== claim.holder && !current.expired) {
      return { taken: false, by: { holder: current.holder, host: current.host, pid: current.pid, expiresAt: current.expiresAt } };
    }
    await tx.query(
      `UPDATE tracker_instances
       SET holder = $2, host = $3, pid = $4::int, expires_at = $6::timestamptz,
           acquired_at = CASE WHEN holder = $2 THEN acquired_at ELSE $5::timestamptz END
       WHERE instance = $1`,
      params,
    );
    return { taken: true };
  });
}

/**
 * Extends this holder's lease to `expiresAtMs`. False when another process holds it now (the
 * holder's lease had expired and was taken over, or the row was removed).
 *
 * A plain UPDATE: its row lock (FOR NO KEY UPDATE) does not wait for the applies holding the row
 * FOR KEY SHARE, so a renewal is never held up by a long batch.
 */
export async function renewLease(sql: Sql, claim: LeaseClaim, expiresAtMs: number): Promise<boolean> {
  const rows = await sql.query(`UPDATE tracker_instances SET expires_at = $3::timestamptz WHERE instance = $1 AND holder = $2 RETURNING holder`, [
    claim.instance,
    claim.holder,
    timestampParam(expiresAtMs * 1000),
  ]);
  return rows.length > 0;
}

/** Gives the lease up, if this holder has it, so that a successor takes it at once. */
export async function releaseLease(sql: Sql, claim: LeaseClaim): Promise<void> {
  await sql.query('DELETE FROM tracker_instances WHERE instance = $1 AND holder = $2', [claim.instance, claim.holder]);
}

/**
 * Who holds `instance` now (none when nobody does), locking the row FOR KEY SHARE until the end of
 * the transaction: run inside a transaction that must only commit while its process holds the lease.
 * Shared with the other applies of the same holder; a takeover ({@link takeLease}) waits for it.
 */
export async function checkLeaseHolder(tx: Sql, instance: string): Promise<LeaseHolder | undefined> {
  const [row] = await tx.query<LeaseHolder>(
    `SELECT holder, host, pid, ${micros('expires_at')} AS "expiresAt" FROM tracker_instances WHERE instance = $1 FOR KEY SHARE`,
    [instance],
  );
  return row;
}

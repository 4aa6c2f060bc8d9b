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
    // Removed between the INSERT and the SELECT (removeGoneInstances): the next attempt inserts.
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

/**
 * Gives the lease up, if this holder has it, so that a successor takes it at once: it expires at
 * `atMs`. The row stays, with the time the instance was last held, for {@link removeGoneInstances}.
 */
export async function releaseLease(sql: Sql, claim: LeaseClaim, atMs: number): Promise<void> {
  await sql.query('UPDATE tracker_instances SET expires_at = least(expires_at, $3::timestamptz) WHERE instance = $1 AND holder = $2', [
    claim.instance,
    claim.holder,
    timestampParam(atMs * 1000),
  ]);
}

/**
 * Removes, in one short transaction, the instances whose lease expired before `expiredBeforeMs`
 * (nobody has held them since), with their histogram totals: what a tracker that never comes back
 * under its name (a pod that got a new host name) leaves behind. Returns the names removed.
 *
 * Only such rows are touched, each locked `FOR UPDATE SKIP LOCKED` first: a row that a live process
 * holds (its applies lock it FOR KEY SHARE) or is taking over right now (FOR UPDATE) is skipped, and
 * a takeover committed since this transaction began no longer matches the condition once locked, so
 * a live or recently held instance is never removed. Trackers running this at once skip each
 * other's rows and remove each instance once.
 *
 * `keep`, the caller's own instance, is never removed, even when its clock has run ahead of its
 * renewals (a process stopped for a day, say): it holds the name, whatever the row says.
 *
 * Totals of an instance with no lease row at all (kept by a version that deleted the row on
 * release) are first given one, expired at `atMs`: they are removed a retention later, like any other.
 */
export async function removeGoneInstances(db: Db, expiredBeforeMs: number, atMs: number, keep?: string): Promise<string[]> {
  return db.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO tracker_instances (instance, holder, host, pid, acquired_at, expires_at)
       SELECT DISTINCT observer, '', '', 0, $1::timestamptz, $1::timestamptz FROM histogram_totals h
       WHERE NOT EXISTS (SELECT 1 FROM tracker_instances i WHERE i.instance = h.observer)
       -- one order for every tracker running this at once: their inserts wait for each other, never deadlock
       ORDER BY observer
       ON CONFLICT (instance) DO NOTHING`,
      [timestampParam(atMs * 1000)],
    );
    const gone = await tx.query<{ instance: string }>(
      `SELECT instance FROM tracker_instances WHERE expires_at < $1::timestamptz AND instance IS DISTINCT FROM $2 ORDER BY instance FOR UPDATE SKIP LOCKED`,
      [timestampParam(expiredBeforeMs * 1000), keep ?? null],
    );
    if (gone.length === 0) return [];
    const names = gone.map((g) => g.instance);
    await tx.query('DELETE FROM histogram_totals WHERE observer = ANY($1::text[])', [names]);
    await tx.query('DELETE FROM tracker_instances WHERE instance = ANY($1::text[])', [names]);
    return names;
  });
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

import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import type { DeadLetter, OutboxRow } from './drain-plan';
import { deadLetterTable } from './sql/capture-sql';
import type { TableName } from './sql/identifiers';
import { isTransientPgError, withTransaction, retry } from '../../common';

/** What the drain does with claimed rows: delete them, or move them to the dead-letter table. */
export interface RowDecision {
  deleteIds: string[];
  deadLetters: DeadLetter[];
}

/** Rows claimed by one drain round: only this round settles or releases them, by its token. */
export interface OutboxClaim {
  readonly token: string;
  /** In outbox id order. */
  readonly rows: OutboxRow[];
}

/**
 * The outbox rows of one captured table, drained in three short steps so that no transaction on the
 * host's database stays open while the collector is asked (which takes up to its timeout, and more
 * when a batch is split): a transaction held across it pins the host's xmin (vacuum cannot clean
 * up behind it) and trips `idle_in_transaction_session_timeout`.
 *
 * 1. **Claim** (one statement): up to `limit` unclaimed rows get this round's token and a lease
 *    (`claimed_until`, in the database's clock, shared by every replica). Rows are picked with
 *    `FOR UPDATE SKIP LOCKED` and claimed rows are skipped, so replicas draining one outbox do not
 *    send the same rows concurrently.
 * 2. The caller posts them, with no transaction open.
 * 3. **Settle** (one short transaction): the posted rows are deleted or dead-lettered, only while
 *    they still carry this round's token. If the post failed, the claim is **released** at once.
 *
 * Delivery is at-least-once: a sidecar killed between its post and its settle leaves its rows
 * claimed until the lease expires, then they are claimed and sent again (same event_ids, counted
 * once downstream). A lease shorter than a post lets a second replica send the rows too: a
 * duplicate, never a loss, as a row is deleted only after some post of it was accepted.
 */
export class OutboxStore {
  private readonly claimSql: string;
  private readonly releaseSql: string;
  private readonly deleteSql: string;
  private readonly deadLetterSql: string;
  private readonly backlogSql: string;

  constructor(
    private readonly pool: Pool,
    outbox: TableName,
    /** The captured table's name as configured: the outbox rows' source_table. */
    private readonly sourceTable: string,
  ) {
    const dead = deadLetterTable(outbox).sql;
    this.claimSql = `UPDATE ${outbox.sql} o SET claim_token = $3::uuid, claimed_until = now() + $4::float8 * interval '1 millisecond'
      FROM (SELECT id FROM ${outbox.sql} WHERE source_table = $1 AND (claimed_until IS NULL OR claimed_until <= now())
            ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED) c
      WHERE o.id = c.id
      RETURNING o.id::text AS id, o.event_id::text AS event_id, o.order_id, o.state_value, o.occurred_at, o.attributes`;
    this.releaseSql = `UPDATE ${outbox.sql} SET claim_token = NULL, claimed_until = NULL WHERE claim_token = $1::uuid`;
    this.deleteSql = `DELETE FROM ${outbox.sql} WHERE id = ANY($1::bigint[]) AND claim_token = $2::uuid`;
    this.deadLetterSql = `WITH moved AS (
        DELETE FROM ${outbox.sql} o USING unnest($1::bigint[], $2::text[]) AS d(id, reason) WHERE o.id = d.id AND o.claim_token = $3::uuid
        RETURNING o.id, o.event_id, o.source_table, o.order_id, o.state_value, o.occurred_at, o.attributes, d.reason)
      INSERT INTO ${dead} (outbox_id, event_id, source_table, order_id, state_value, occurred_at, attributes, reason)
      SELECT id, event_id, source_table, order_id, state_value, occurred_at, attributes, reason FROM moved`;
    this.backlogSql = `SELECT count(*)::float8 AS rows, coalesce(extract(epoch FROM now() - min(occurred_at)), 0)::float8 AS age
      FROM ${outbox.sql} WHERE source_table = $1`;
  }

  /**
   * Claims up to `limit` rows for `leaseMs`, lets `decide` deliver them (no transaction open), then
   * settles them as it decided. If `decide` throws (the collector is unavailable), the claim is
   * released, so the rows are taken again by the next round of any replica, and the error rethrown.
   *
   * @returns how many rows were claimed.
   */
  async drain(limit: number, leaseMs: number, decide: (rows: OutboxRow[]) => Promise<RowDecision>): Promise<number> {
    const claim = await this.claim(limit, leaseMs);
    if (claim.rows.length === 0) return 0;
    let decision: RowDecision;
    try {
      decision = await decide(claim.rows);
    } catch (err) {
      // Not releasing (the database is down too) only delays the rows until the lease expires.
      await this.release(claim).catch(() => undefined);
      throw err;
    }
    await this.settle(claim, decision);
    return claim.rows.length;
  }

  async claim(limit: number, leaseMs: number): Promise<OutboxClaim> {
    const token = randomUUID();
    const { rows } = await this.pool.query<OutboxRow>(this.claimSql, [this.sourceTable, limit, token, leaseMs]);
    // UPDATE ... RETURNING has no order; the events' order within a batch follows the outbox ids.
    rows.sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
    return { token, rows };
  }

  /**
   * Deletes and dead-letters the claim's rows as decided, in one short transaction, and only rows
   * that still carry the claim's token (a row claimed again by another round after this one's lease
   * ran out is that round's to settle). Idempotent, so a transient failure is retried here rather
   * than sending the rows again.
   */
  async settle(claim: OutboxClaim, decision: RowDecision): Promise<void> {
    await retry(
      () =>
        withTransaction(this.pool, async (client) => {
          if (decision.deleteIds.length > 0) await client.query(this.deleteSql, [decision.deleteIds, claim.token]);
          if (decision.deadLetters.length > 0) {
            await client.query(this.deadLetterSql, [decision.deadLetters.map((d) => d.id), decision.deadLetters.map((d) => d.detail), claim.token]);
          }
        }),
      { retries: 3, minDelayMs: 200, retryOn: isTransientPgError },
    );
  }

  /** Gives the claim's rows back, unsent, for the next round. */
  async release(claim: OutboxClaim): Promise<void> {
    await this.pool.query(this.releaseSql, [claim.token]);
  }

  /** Rows waiting and the age of the oldest, for the backlog gauges. */
  async backlog(): Promise<{ rows: number; oldestAgeSeconds: number }> {
    const { rows } = await this.pool.query<{ rows: number; age: number }>(this.backlogSql, [this.sourceTable]);
    return { rows: rows[0]?.rows ?? 0, oldestAgeSeconds: rows[0]?.age ?? 0 };
  }
}

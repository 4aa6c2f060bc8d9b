import type { Pool, PoolClient } from 'pg';
import type { DeadLetter, OutboxRow } from './drain-plan';
import { deadLetterTable } from './sql/capture-sql';
import type { TableName } from './sql/identifiers';
import { withTransaction } from '../../common/pg';

/** What the drain does with claimed rows: delete them, or move them to the dead-letter table. */
export interface RowDecision {
  deleteIds: string[];
  deadLetters: DeadLetter[];
}

/**
 * The outbox rows of one captured table. Rows are claimed with `FOR UPDATE SKIP LOCKED`, so any
 * number of sidecar replicas drain the same outbox without sending a row twice, and a replica that
 * dies releases its rows (its transaction is rolled back) for the others.
 */
export class OutboxStore {
  private readonly claimSql: string;
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
    this.claimSql = `SELECT id::text AS id, event_id::text AS event_id, order_id, state_value, occurred_at, attributes
      FROM ${outbox.sql} WHERE source_table = $1 ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED`;
    this.deleteSql = `DELETE FROM ${outbox.sql} WHERE id = ANY($1::bigint[])`;
    this.deadLetterSql = `WITH moved AS (
        DELETE FROM ${outbox.sql} o USING unnest($1::bigint[], $2::text[]) AS d(id, reason) WHERE o.id = d.id
        RETURNING o.id, o.event_id, o.source_table, o.order_id, o.state_value, o.occurred_at, o.attributes, d.reason)
      INSERT INTO ${dead} (outbox_id, event_id, source_table, order_id, state_value, occurred_at, attributes, reason)
      SELECT id, event_id, source_table, order_id, state_value, occurred_at, attributes, reason FROM moved`;
    this.backlogSql = `SELECT count(*)::float8 AS rows, coalesce(extract(epoch FROM now() - min(occurred_at)), 0)::float8 AS age
      FROM ${outbox.sql} WHERE source_table = $1`;
  }

  /**
   * In one transaction: claims up to `limit` rows, lets `decide` deliver them, then deletes and
   * dead-letters as it decided and commits. If `decide` throws (the collector is unavailable), the
   * transaction is rolled back and the rows stay for the next round.
   *
   * @returns how many rows were claimed.
   */
  async drain(limit: number, decide: (rows: OutboxRow[]) => Promise<RowDecision>): Promise<number> {
    return withTransaction(this.pool, async (client) => {
      const { rows } = await client.query<OutboxRow>(this.claimSql, [this.sourceTable, limit]);
      if (rows.length > 0) await this.apply(client, await decide(rows));
      return rows.length;
    });
  }

  /** Rows waiting and the age of the oldest, for the backlog gauges. */
  async backlog(): Promise<{ rows: number; oldestAgeSeconds: number }> {
    const { rows } = await this.pool.query<{ rows: number; age: number }>(this.backlogSql, [this.sourceTable]);
    return { rows: rows[0]?.rows ?? 0, oldestAgeSeconds: rows[0]?.age ?? 0 };
  }

  private async apply(client: PoolClient, decision: RowDecision): Promise<void> {
    if (decision.deleteIds.length > 0) await client.query(this.deleteSql, [decision.deleteIds]);
    if (decision.deadLetters.length > 0) {
      await client.query(this.deadLetterSql, [decision.deadLetters.map((d) => d.id), decision.deadLetters.map((d) => d.detail)]);
    }
  }
}

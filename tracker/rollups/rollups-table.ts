import { fromMicros, type Sql } from '../store';
import type { RollupChanges } from './rollup-changes';

/**
 * Adds a batch's {@link RollupChanges} to the rollup tables of migration 008: one statement per table,
 * each change aggregated per row first (a batch meets a row many times; one INSERT must meet it
 * once), rows written in key order so that concurrent batches of several trackers, which share rows,
 * wait for each other instead of deadlocking. Buckets and microseconds are computed by the SQL
 * functions of migration 008, the one definition the backfill uses too.
 *
 * Runs after the batch's stays are written: the attribute moves read them as stored.
 */
export async function addRollupChanges(sql: Sql, changes: RollupChanges): Promise<void> {
  const { stays, moves, orders } = changes;
  if (stays.length > 0 || moves.length > 0) {
    // Each move is the order's stays taken out under the old attributes and put back under the new.
    const moved = moves.flatMap((m) => [
      { orderId: m.orderId, ...m.from, count: -1 },
      { orderId: m.orderId, ...m.to, count: 1 },
    ]);
    await sql.query(
      `INSERT INTO stay_rollups AS r (state, day, segment, operator_id, bucket, stays, micros)
       SELECT c.state, c.day, c.segment, c.operator_id, rollup_bucket(c.us), sum(c.n), sum(c.n * c.us)
       FROM (
         SELECT u.state, (${fromMicros('u.left_at')} AT TIME ZONE 'UTC')::date AS day, u.segment, u.operator_id, rollup_micros(u.seconds) AS us, u.n
         FROM unnest($1::text[], $2::float8[], $3::text[], $4::text[], $5::float8[], $6::int[]) AS u(state, left_at, segment, operator_id, seconds, n)
         UNION ALL
         SELECT s.state, (s.left_at AT TIME ZONE 'UTC')::date, m.segment, m.operator_id, rollup_micros(s.duration_seconds), m.n
         FROM unnest($7::text[], $8::text[], $9::text[], $10::int[]) AS m(order_id, segment, operator_id, n)
         JOIN stays s ON s.order_id = m.order_id
         WHERE s.order_id = ANY($7::text[])
       ) c
       GROUP BY 1, 2, 3, 4, 5
       HAVING sum(c.n) <> 0 OR sum(c.n * c.us) <> 0
       ORDER BY 1, 2, 3, 4, 5
       ON CONFLICT (state, day, segment, operator_id, bucket) DO UPDATE SET stays = r.stays + EXCLUDED.stays, micros = r.micros + EXCLUDED.micros`,
      [
        stays.map((s) => s.state),
        stays.map((s) => s.leftAt),
        stays.map((s) => s.segment),
        stays.map((s) => s.operatorId),
        stays.map((s) => s.seconds),
        stays.map((s) => s.count),
        moved.map((m) => m.orderId),
        moved.map((m) => m.segment),
        moved.map((m) => m.operatorId),
        moved.map((m) => m.count),
      ],
    );
  }
  if (orders.length > 0) {
    await sql.query(
      `INSERT INTO order_rollups AS r (state, day, segment, bucket, orders, micros)
       SELECT u.state, (${fromMicros('u.since')} AT TIME ZONE 'UTC')::date, u.segment, rollup_bucket(u.us), sum(u.n), sum(u.n * u.us)
       FROM unnest($1::text[], $2::float8[], $3::text[], $4::int8[], $5::int[]) AS u(state, since, segment, us, n)
       GROUP BY 1, 2, 3, 4
       HAVING sum(u.n) <> 0 OR sum(u.n * u.us) <> 0
       ORDER BY 1, 2, 3, 4
       ON CONFLICT (state, day, segment, bucket) DO UPDATE SET orders = r.orders + EXCLUDED.orders, micros = r.micros + EXCLUDED.micros`,
      [
        orders.map((o) => o.state),
        orders.map((o) => o.since),
        orders.map((o) => o.segment),
        orders.map((o) => o.sinceFirstEvent),
        orders.map((o) => o.count),
      ],
    );
  }
}

/**
 * Recomputes both rollups from the stays and orders tables (migration 008's backfill): for data
 * written by SQL of its own (a bulk load), or a repair. Takes time in the number of rows stored.
 */
export async function rebuildReportRollups(sql: Sql): Promise<void> {
  await sql.query('SELECT rebuild_report_rollups()');
}

/** A rollup row that only one side has: the maintained table (`kept`) or a rebuild from the stored rows. */
export interface RollupDrift {
  readonly rollup: 'stay_rollups' | 'order_rollups';
  readonly side: 'kept' | 'rebuilt';
  /** The row's key, as text: state, day, segment, (operator,) bucket, with - for null. */
  readonly key: string;
  readonly count: number;
  readonly micros: number;
}

/**
 * Every row where the rollups differ from what the stored rows make (the views of migration 008),
 * rows at zero counting as absent: empty when they follow the store exactly, which is what apply
 * promises. A full read of both, for tests and checks, not for a hot path. (EXCEPT, not a join: it
 * takes two null segments for the same key.)
 */
export async function rollupDrift(sql: Sql): Promise<RollupDrift[]> {
  const stays = `SELECT state, day, segment, operator_id, bucket, stays, micros`;
  const orders = `SELECT state, day, segment, bucket, orders, micros`;
  const keptStays = `${stays} FROM stay_rollups WHERE stays <> 0 OR micros <> 0`;
  const rebuiltStays = `${stays} FROM stay_rollups_from_stays`;
  const keptOrders = `${orders} FROM order_rollups WHERE orders <> 0 OR micros <> 0`;
  const rebuiltOrders = `${orders} FROM order_rollups_from_orders`;
  const stayKey = `concat_ws(' ', state, day, coalesce(segment, '-'), coalesce(operator_id, '-'), bucket)`;
  const orderKey = `concat_ws(' ', state, day, coalesce(segment, '-'), bucket)`;
  const rows = await sql.query<{ rollup: RollupDrift['rollup']; side: RollupDrift['side']; key: string; count: number; micros: number }>(
    `SELECT 'stay_rollups' AS rollup, 'kept' AS side, ${stayKey} AS key, stays::float8 AS count, micros::float8 AS micros FROM (${keptStays} EXCEPT ${rebuiltStays}) d
     UNION ALL
     SELECT 'stay_rollups', 'rebuilt', ${stayKey}, stays::float8, micros::float8 FROM (${rebuiltStays} EXCEPT ${keptStays}) d
     UNION ALL
     SELECT 'order_rollups', 'kept', ${orderKey}, orders::float8, micros::float8 FROM (${keptOrders} EXCEPT ${rebuiltOrders}) d
     UNION ALL
     SELECT 'order_rollups', 'rebuilt', ${orderKey}, orders::float8, micros::float8 FROM (${rebuiltOrders} EXCEPT ${keptOrders}) d
     ORDER BY 1, 3, 2`,
  );
  return rows;
}

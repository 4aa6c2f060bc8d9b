import { timestampParam, type Sql } from '../store';
import type { Period } from './period';
import { statesCte, type QueryWindow } from './queries';
import type { LeadBucketRow, OperatorBucketRow, StateBucketRow } from './rollup-rows';
import type { WholeDaysCut } from './whole-days';

/**
 * The SQL of the report's rollup path: the same sections as queries.ts (the exact path), but the whole
 * UTC days of the period are read from the rollups of migration 008 (a row per state, day, segment,
 * operator and duration bucket, instead of a row per stay), and only the partial days at the period's
 * edges and the stays orders are still in from the stays and orders tables, bucketed with the same
 * SQL function (rollup_bucket) as the rollups. Each statement returns rows of buckets, which
 * rollup-rows.ts turns into the exact path's rows.
 *
 * Parameters shared by the statements: $1 from, $2 to, $3 first whole day, $4 day after the last
 * (dates), $5 end of the raw head, $6 start of the raw tail (see {@link WholeDaysCut}).
 */
const cutParams = (w: Period, cut: WholeDaysCut) => [timestampParam(w.from), timestampParam(w.to), cut.fromDay, cut.toDay, timestampParam(cut.headTo), timestampParam(cut.tailFrom)];

/**
 * Rows of `select` from `table` (aliased `alias`) whose `column` lies in the raw head or the raw tail,
 * as two range scans (one OR could make the planner read the whole state's index range).
 */
function rawEdges(select: string, from: string, column: string): string {
  return `${select} FROM ${from} AND ${column} >= $1::timestamptz AND ${column} < $5::timestamptz
       UNION ALL
       ${select} FROM ${from} AND ${column} >= $6::timestamptz AND ${column} < $2::timestamptz`;
}

/** The age of the stay an order is in, in microseconds, measured until $7. */
const OPEN_AGE = `CROSS JOIN LATERAL (SELECT greatest(0, (extract(epoch FROM $7::timestamptz - o.state_since) * 1000000)::bigint) AS us) a`;

/**
 * Time in each state that is not terminal, per duration bucket, as queries.ts's stateLatency counts
 * it: closed stays that ended in the period (rollups for whole days, raw stays for the edges), plus
 * (unless `closedOnly`) the stays orders are still in that started in the period. One aggregate per
 * state over its own ranges, as there.
 */
export async function stateBuckets(sql: Sql, w: QueryWindow, cut: WholeDaysCut, terminal: readonly string[], modelStates: readonly string[], closedOnly: boolean): Promise<StateBucketRow[]> {
  const rows = await sql.query<{ state: string; open: boolean; bucket: number; count: number; micros: number }>(
    `WITH RECURSIVE ${statesCte('$10')}
     SELECT st.state, p.open, p.bucket, sum(p.n)::float8 AS count, sum(p.us)::float8 AS micros
     FROM states st CROSS JOIN LATERAL (
       SELECT false AS open, r.bucket, r.stays AS n, r.micros AS us
       FROM stay_rollups r WHERE r.state = st.state AND r.day >= $3::date AND r.day < $4::date
       UNION ALL
       ${rawEdges('SELECT false, rollup_bucket(rollup_micros(t.duration_seconds)), 1, rollup_micros(t.duration_seconds)', 'stays t WHERE t.state = st.state', 't.left_at')}
       UNION ALL
       SELECT true, rollup_bucket(a.us), 1, a.us
       FROM orders o ${OPEN_AGE}
       WHERE NOT $9::boolean AND o.state = st.state AND o.state_since >= $1::timestamptz AND o.state_since < $2::timestamptz
     ) p
     WHERE st.state IS NOT NULL AND st.state <> ALL($8::text[])
     GROUP BY st.state, p.open, p.bucket
     HAVING sum(p.n) > 0`,
    [...cutParams(w, cut), timestampParam(w.measuredUntil), terminal, closedOnly, modelStates],
  );
  return rows;
}

/**
 * Per operator (the order's operator_id), the stays in the confirmation state per duration bucket,
 * as queries.ts's operatorLatency counts them (the stays orders are still in included).
 */
export async function operatorBuckets(sql: Sql, w: QueryWindow, cut: WholeDaysCut, confirmationState: string): Promise<OperatorBucketRow[]> {
  const rows = await sql.query<{ operator_id: string | null; open: boolean; bucket: number; count: number; micros: number }>(
    `SELECT h.operator_id, h.open, h.bucket, sum(h.n)::float8 AS count, sum(h.us)::float8 AS micros
     FROM (
       SELECT r.operator_id, false AS open, r.bucket, r.stays AS n, r.micros AS us
       FROM stay_rollups r WHERE r.state = $8 AND r.day >= $3::date AND r.day < $4::date
       UNION ALL
       ${rawEdges(
         'SELECT o.operator_id, false, rollup_bucket(rollup_micros(t.duration_seconds)), 1, rollup_micros(t.duration_seconds)',
         'stays t JOIN orders o ON o.order_id = t.order_id WHERE t.state = $8',
         't.left_at',
       )}
       UNION ALL
       SELECT o.operator_id, true, rollup_bucket(a.us), 1, a.us
       FROM orders o ${OPEN_AGE}
       WHERE o.state = $8 AND o.state_since >= $1::timestamptz AND o.state_since < $2::timestamptz
     ) h
     GROUP BY 1, 2, 3
     HAVING sum(h.n) > 0`,
    [...cutParams(w, cut), timestampParam(w.measuredUntil), confirmationState],
  );
  return rows.map((r) => ({ operatorId: r.operator_id, open: r.open, bucket: r.bucket, count: r.count, micros: r.micros }));
}

/**
 * Orders that reached one of `terminal` in the period, per end state, segment, UTC day and bucket of
 * lead time (first event to terminal state), as queries.ts's finishedOrders and leadTimeBins count
 * them.
 */
export async function leadBuckets(sql: Sql, w: Period, cut: WholeDaysCut, terminal: readonly string[]): Promise<LeadBucketRow[]> {
  const rows = await sql.query<{ end_state: string; segment: string | null; day: string; bucket: number; count: number; micros: number }>(
    `SELECT f.end_state, f.segment, to_char(f.day, 'YYYY-MM-DD') AS day, f.bucket, sum(f.n)::float8 AS count, sum(f.us)::float8 AS micros
     FROM (
       SELECT r.state AS end_state, r.segment, r.day, r.bucket, r.orders AS n, r.micros AS us
       FROM order_rollups r WHERE r.state = ANY($7::text[]) AND r.day >= $3::date AND r.day < $4::date
       UNION ALL
       ${rawEdges(
         `SELECT o.state, o.segment, (o.state_since AT TIME ZONE 'UTC')::date, rollup_bucket(l.us), 1, l.us`,
         'orders o CROSS JOIN LATERAL (SELECT (extract(epoch FROM o.state_since - o.first_event_at) * 1000000)::bigint AS us) l WHERE o.state = ANY($7::text[]) AND l.us IS NOT NULL',
         'o.state_since',
       )}
     ) f
     GROUP BY 1, 2, 3, 4
     HAVING sum(f.n) > 0`,
    [...cutParams(w, cut), terminal],
  );
  return rows.map((r) => ({ endState: r.end_state, segment: r.segment, day: r.day, bucket: r.bucket, count: r.count, micros: r.micros }));
}

import { micros, timestampParam, type Sql } from '../store';
import type { Micros } from '../timeline';
import type { Period } from './period';

/**
 * The SQL of the latency report's exact path (and of the sections that list orders, which have no
 * other): one statement per section, each one pass over the rows of the period, all aggregation and
 * every percentile done by PostgreSQL. Percentiles are exact (`percentile_cont` over the stored
 * durations, interpolated between the two nearest values). rollup-queries.ts reads whole days from
 * the rollups instead, for the sections that aggregate durations.
 *
 * Indexes that keep the cost proportional to the period, not to the history (migration 003 and before):
 * stays (state, left_at) INCLUDE (duration_seconds, order_id) for closed stays, read index-only; orders (state,
 * state_since, order_id) for open stays and finished orders; status_changes (at) for stuck and lost
 * flags.
 *
 * Counts come back as float8 and times as microseconds (see micros()), types both drivers read alike.
 */

/** Where the period's statements look: [from, to), open stays measured until `measuredUntil`. */
export interface QueryWindow extends Period {
  readonly measuredUntil: Micros;
}

/** Statement parameters: $1 from, $2 to; windowParams adds $3 measuredUntil for statements that age open stays. */
const periodParams = (w: Period) => [timestampParam(w.from), timestampParam(w.to)];
const windowParams = (w: QueryWindow) => [...periodParams(w), timestampParam(w.measuredUntil)];

/** `percentile_cont` at 0.5, 0.9 and 0.99, in that order. */
export type Percentiles = [p50: number, p90: number, p99: number];

export interface StateLatencyRow {
  readonly state: string;
  readonly stays: number;
  readonly openStays: number;
  readonly percentiles: Percentiles;
  readonly meanSeconds: number;
  readonly withinSla: number;
  readonly missedSla: number;
}

/**
 * Time in each state that is not terminal: closed stays that ended in the period, plus (unless
 * `closedOnly`) the stays orders are still in that started in the period, aged until `measuredUntil`.
 * Closed only is what a backfill's history wants: an order a log left open has no end, and its age at
 * the end of the period says nothing about how long the state takes. A stay meets its SLA
 * when it closed within it; an open stay misses it once it is older, and has no verdict before.
 *
 * One aggregate per state over its own index range (stays_state_left_at of 003, orders_state of
 * 001), instead of one GROUP BY over the period: a GROUP BY must first sort every stay of the period
 * by state, which costs more than all the percentiles together; per state, the durations come out
 * of an index-only scan and only each state's own durations are sorted. The states are the model's
 * plus any other state the data holds (a violation of the model), found by skipping through the
 * indexes from one distinct state to the next: a few probes, whatever the number of rows.
 */
export async function stateLatency(
  sql: Sql,
  w: QueryWindow,
  terminal: readonly string[],
  slas: ReadonlyMap<string, number>,
  modelStates: readonly string[],
  closedOnly = false,
): Promise<StateLatencyRow[]> {
  const rows = await sql.query<{ state: string; stays: number; open_stays: number; percentiles: Percentiles; mean: number; within_sla: number; missed_sla: number }>(
    `WITH RECURSIVE ${statesCte('$7')}
     SELECT st.state, a.stays, a.open_stays, a.percentiles, a.mean, a.within_sla, a.missed_sla
     FROM states st
     LEFT JOIN unnest($5::text[], $6::float8[]) AS sla(state, seconds) ON sla.state = st.state
     CROSS JOIN LATERAL (
       SELECT count(*)::float8 AS stays,
              count(*) FILTER (WHERE p.open)::float8 AS open_stays,
              percentile_cont(ARRAY[0.5, 0.9, 0.99]) WITHIN GROUP (ORDER BY p.seconds) AS percentiles,
              avg(p.seconds)::float8 AS mean,
              count(*) FILTER (WHERE NOT p.open AND p.seconds <= sla.seconds)::float8 AS within_sla,
              count(*) FILTER (WHERE p.seconds > sla.seconds)::float8 AS missed_sla
       FROM (
         SELECT t.duration_seconds AS seconds, false AS open
         FROM stays t WHERE t.state = st.state AND t.left_at >= $1::timestamptz AND t.left_at < $2::timestamptz
         UNION ALL
         SELECT greatest(0, extract(epoch FROM $3::timestamptz - o.state_since))::float8, true
         FROM orders o WHERE NOT $8::boolean AND o.state = st.state AND o.state_since >= $1::timestamptz AND o.state_since < $2::timestamptz
       ) p
     ) a
     WHERE st.state IS NOT NULL AND st.state <> ALL($4::text[]) AND a.stays > 0`,
    [...windowParams(w), terminal, [...slas.keys()], [...slas.values()], modelStates, closedOnly],
  );
  return rows.map((r) => ({ state: r.state, stays: r.stays, openStays: r.open_stays, percentiles: r.percentiles, meanSeconds: r.mean, withinSla: r.within_sla, missedSla: r.missed_sla }));
}

/**
 * The CTEs (for WITH RECURSIVE) of `states(state)`: every state the stays and orders hold, found by
 * skipping through their state indexes from one distinct state to the next (a few probes, whatever
 * the number of rows), plus the model's states, given as a text[] parameter; and a NULL row (the end
 * of each skip), which the statement filters out.
 */
export function statesCte(modelStatesParam: string): string {
  return `stay_states(state) AS (
       (SELECT state FROM stays ORDER BY state LIMIT 1)
       UNION ALL
       SELECT (SELECT s.state FROM stays s WHERE s.state > p.state ORDER BY s.state LIMIT 1) FROM stay_states p WHERE p.state IS NOT NULL
     ),
     order_states(state) AS (
       (SELECT state FROM orders WHERE state IS NOT NULL ORDER BY state LIMIT 1)
       UNION ALL
       SELECT (SELECT o.state FROM orders o WHERE o.state > p.state ORDER BY o.state LIMIT 1) FROM order_states p WHERE p.state IS NOT NULL
     ),
     states(state) AS (
       SELECT state FROM stay_states UNION SELECT state FROM order_states UNION SELECT unnest(${modelStatesParam}::text[])
     )`;
}

/** Lead-time percentiles of one group of finished orders (see {@link finishedOrders}). */
export interface FinishedGroupRow {
  readonly endState: string;
  /** 'end': all orders of the end state; 'segment' / 'day': one segment or UTC day of them. */
  readonly by: 'end' | 'segment' | 'day';
  readonly segment: string | null;
  readonly day: string | null;
  readonly orders: number;
  readonly percentiles: Percentiles;
}

/** Orders that reached one of `terminal` in the period, with their lead time (first event to terminal state). */
const FINISHED = `SELECT order_id, state AS end_state, segment, operator_id, first_event_at, state_since,
         extract(epoch FROM state_since - first_event_at)::float8 AS lead_seconds, (state_since AT TIME ZONE 'UTC')::date AS day
  FROM orders
  WHERE state = ANY($3::text[]) AND state_since >= $1::timestamptz AND state_since < $2::timestamptz`;

/**
 * Lead-time percentiles of the orders finished in the period, per terminal state, per terminal state
 * and segment, and per terminal state and UTC day: one scan, three groupings.
 */
export async function finishedOrders(sql: Sql, w: Period, terminal: readonly string[]): Promise<FinishedGroupRow[]> {
  const rows = await sql.query<{ end_state: string; segment: string | null; day: string | null; grouping: number; orders: number; percentiles: Percentiles }>(
    `WITH finished AS (${FINISHED})
     SELECT end_state, segment, to_char(day, 'YYYY-MM-DD') AS day, GROUPING(segment, day)::int AS grouping,
            count(*)::float8 AS orders,
            percentile_cont(ARRAY[0.5, 0.9, 0.99]) WITHIN GROUP (ORDER BY lead_seconds) AS percentiles
     FROM finished
     GROUP BY GROUPING SETS ((end_state), (end_state, segment), (end_state, day))`,
    [...periodParams(w), terminal],
  );
  // GROUPING() has a bit set for each argument the row is not grouped by: segment (2), day (1).
  return rows.map((r) => ({
    endState: r.end_state,
    by: r.grouping === 3 ? 'end' : r.grouping === 1 ? 'segment' : 'day',
    segment: r.grouping === 1 ? r.segment : null,
    day: r.grouping === 2 ? r.day : null,
    orders: r.orders,
    percentiles: r.percentiles,
  }));
}

export interface LeadTimeBinRow {
  readonly endState: string;
  /** width_bucket over `bounds`: 0 below bounds[0], i for [bounds[i-1], bounds[i]), bounds.length at or above the last. */
  readonly bin: number;
  readonly orders: number;
}

/** How many finished orders fall in each lead-time bin, per terminal state. */
export async function leadTimeBins(sql: Sql, w: Period, terminal: readonly string[], bounds: readonly number[]): Promise<LeadTimeBinRow[]> {
  const rows = await sql.query<{ end_state: string; bin: number; orders: number }>(
    `WITH finished AS (${FINISHED})
     SELECT end_state, width_bucket(lead_seconds, $4::float8[]) AS bin, count(*)::float8 AS orders
     FROM finished GROUP BY 1, 2`,
    [...periodParams(w), terminal, bounds],
  );
  return rows.map((r) => ({ endState: r.end_state, bin: r.bin, orders: r.orders }));
}

export interface SlowOrderRow {
  readonly orderId: string;
  readonly endState: string;
  readonly segment: string | null;
  readonly operatorId: string | null;
  readonly startedAt: Micros;
  readonly finishedAt: Micros;
  readonly leadTimeSeconds: number;
  readonly longestState: string | null;
  readonly longestStateSeconds: number | null;
}

/** The `limit` finished orders with the longest lead time, each with the state it spent most time in. */
export async function slowestOrders(sql: Sql, w: Period, terminal: readonly string[], limit: number): Promise<SlowOrderRow[]> {
  const rows = await sql.query<{
    order_id: string;
    end_state: string;
    segment: string | null;
    operator_id: string | null;
    started_at: number;
    finished_at: number;
    lead_seconds: number;
    longest_state: string | null;
    longest_seconds: number | null;
  }>(
    `WITH slowest AS (
       ${FINISHED}
       ORDER BY state_since - first_event_at DESC, order_id LIMIT $4
     )
     SELECT f.order_id, f.end_state, f.segment, f.operator_id, ${micros('f.first_event_at')} AS started_at,
            ${micros('f.state_since')} AS finished_at, f.lead_seconds, l.state AS longest_state, l.duration_seconds AS longest_seconds
     FROM slowest f
     LEFT JOIN LATERAL (
       SELECT state, duration_seconds FROM stays s WHERE s.order_id = f.order_id ORDER BY duration_seconds DESC, seq_no LIMIT 1
     ) l ON true
     ORDER BY f.lead_seconds DESC, f.order_id`,
    [...periodParams(w), terminal, limit],
  );
  return rows.map((r) => ({
    orderId: r.order_id,
    endState: r.end_state,
    segment: r.segment,
    operatorId: r.operator_id,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    leadTimeSeconds: r.lead_seconds,
    longestState: r.longest_state,
    longestStateSeconds: r.longest_seconds,
  }));
}

export interface OperatorLatencyRow {
  readonly operatorId: string | null;
  readonly orders: number;
  readonly percentiles: [p50: number, p90: number];
  readonly withinSla: number;
  readonly missedSla: number;
}

/**
 * Per operator (the order's operator_id): the stays in the confirmation state of the period, as in
 * {@link stateLatency}, and their time-to-confirm percentiles.
 */
export async function operatorLatency(sql: Sql, w: QueryWindow, confirmationState: string, slaSeconds: number | null): Promise<OperatorLatencyRow[]> {
  const rows = await sql.query<{ operator_id: string | null; orders: number; percentiles: [number, number]; within_sla: number; missed_sla: number }>(
    `WITH handled AS (
       SELECT order_id, duration_seconds AS seconds, false AS open
       FROM stays
       WHERE state = $4 AND left_at >= $1::timestamptz AND left_at < $2::timestamptz
       UNION ALL
       SELECT order_id, greatest(0, extract(epoch FROM $3::timestamptz - state_since))::float8, true
       FROM orders
       WHERE state = $4 AND state_since >= $1::timestamptz AND state_since < $2::timestamptz
     )
     SELECT o.operator_id,
            count(*)::float8 AS orders,
            percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY h.seconds) AS percentiles,
            count(*) FILTER (WHERE NOT h.open AND h.seconds <= $5::float8)::float8 AS within_sla,
            count(*) FILTER (WHERE h.seconds > $5::float8)::float8 AS missed_sla
     FROM handled h JOIN orders o ON o.order_id = h.order_id
     GROUP BY o.operator_id`,
    [...windowParams(w), confirmationState, slaSeconds],
  );
  return rows.map((r) => ({ operatorId: r.operator_id, orders: r.orders, percentiles: r.percentiles, withinSla: r.within_sla, missedSla: r.missed_sla }));
}

export interface FlagCountRow {
  /** 'all': the whole period; 'state' / 'segment': one state or segment. */
  readonly by: 'all' | 'state' | 'segment';
  readonly state: string | null;
  readonly segment: string | null;
  /** Distinct orders flagged stuck / lost. */
  readonly stuck: number;
  readonly lost: number;
}

/**
 * Orders the detector flagged stuck or lost in the period: in all, per state and per segment. Each
 * flag's segment is looked up by the order's key (a subquery per flag) rather than joined: joined,
 * the planner hashes the whole orders table for a period's flags, which took most of the time of a
 * report from rollups (1.4 s of 3 s for a week of 1.25 million orders, bench/report.ts).
 */
export async function flagCounts(sql: Sql, w: Period): Promise<FlagCountRow[]> {
  const rows = await sql.query<{ state: string | null; segment: string | null; grouping: number; stuck: number; lost: number }>(
    `SELECT c.state, c.segment, GROUPING(c.state, c.segment)::int AS grouping,
            count(DISTINCT c.order_id) FILTER (WHERE c.to_status = 'stuck')::float8 AS stuck,
            count(DISTINCT c.order_id) FILTER (WHERE c.to_status = 'lost')::float8 AS lost
     FROM (
       SELECT f.order_id, f.state, f.to_status, (SELECT o.segment FROM orders o WHERE o.order_id = f.order_id) AS segment
       FROM status_changes f
       WHERE f.at >= $1::timestamptz AND f.at < $2::timestamptz AND f.to_status IN ('stuck', 'lost')
     ) c
     GROUP BY GROUPING SETS ((c.state), (c.segment), ())`,
    periodParams(w),
  );
  // GROUPING() bits: state (2), segment (1).
  return rows.map((r) => ({
    by: r.grouping === 3 ? 'all' : r.grouping === 1 ? 'state' : 'segment',
    state: r.grouping === 1 ? r.state : null,
    segment: r.grouping === 2 ? r.segment : null,
    stuck: r.stuck,
    lost: r.lost,
  }));
}

export interface LostOrderRow {
  readonly orderId: string;
  readonly state: string;
  readonly reason: string;
  readonly handoffTo: string | null;
  readonly lostAt: Micros;
  readonly traceId: string | null;
  readonly segment: string | null;
  readonly operatorId: string | null;
  readonly statusNow: string | null;
  /** All orders lost in the period (the same on every row). */
  readonly total: number;
}

/** Orders lost in the period, each with its last loss in the period, latest first, at most `limit`. */
export async function lostOrders(sql: Sql, w: Period, limit: number): Promise<LostOrderRow[]> {
  const rows = await sql.query<{
    order_id: string;
    state: string;
    reason: string;
    handoff_to: string | null;
    lost_at: number;
    trace_id: string | null;
    segment: string | null;
    operator_id: string | null;
    status_now: string | null;
    total: number;
  }>(
    `SELECT l.order_id, l.state, l.reason, l.handoff_to, ${micros('l.at')} AS lost_at, l.trace_id,
            o.segment, o.operator_id, o.status AS status_now, l.total
     FROM (
       SELECT d.*, count(*) OVER ()::float8 AS total
       FROM (
         SELECT DISTINCT ON (order_id) order_id, state, reason, handoff_to, at, trace_id
         FROM status_changes
         WHERE to_status = 'lost' AND at >= $1::timestamptz AND at < $2::timestamptz
         ORDER BY order_id, at DESC, id DESC
       ) d
       ORDER BY d.at DESC, d.order_id
       LIMIT $3
     ) l
     -- Joined after the limit: the orders of the listed losses only, reached by their key.
     LEFT JOIN orders o ON o.order_id = l.order_id
     ORDER BY l.at DESC, l.order_id`,
    [...periodParams(w), limit],
  );
  return rows.map((r) => ({
    orderId: r.order_id,
    state: r.state,
    reason: r.reason,
    handoffTo: r.handoff_to,
    lostAt: r.lost_at,
    traceId: r.trace_id,
    segment: r.segment,
    operatorId: r.operator_id,
    statusNow: r.status_now,
    total: r.total,
  }));
}

/**
 * When the newest stay began (the latest time an order entered a state), or null for an empty store:
 * where the data ends, for the default period. One step down the orders_since index.
 */
export async function newestStateSince(sql: Sql): Promise<Micros | null> {
  const [row] = await sql.query<{ at: number | null }>(`SELECT ${micros('max(state_since)')} AS at FROM orders`);
  return row?.at ?? null;
}

import type { Micros } from '../timeline';
import type { Sql } from './db';
import { timestampParam } from './sql-time';

/** A state's limits as a backtest replays them, in seconds; null where the state has none. */
export interface StateLimits {
  readonly state: string;
  /** expect_within: stuck from here on. */
  readonly expectSeconds: number | null;
  /** The first limit that declares an order lost: lost_after or a handoff's window, the earlier. */
  readonly lostSeconds: number | null;
  /** The SLO's window. */
  readonly sloSeconds: number | null;
}

/** The history a backtest replays and how the alerts it counts behave. */
export interface BacktestSpan {
  /** Flags, pages and tickets are counted when they fall in [from, to). */
  readonly from: Micros;
  readonly to: Micros;
  /** Where an order's current (open) stay is taken to end: the earlier of `to` and now (a history order's at its source's history clock, if earlier). */
  readonly openUntil: Micros;
  /** OrderLost fires at a loss and resolves this long after the last one. */
  readonly lostWindowSeconds: number;
  /** OrdersStuck fires once orders have been stuck without a break for longer than this. */
  readonly stuckForSeconds: number;
}

/** What one state's limits would have done over the span. */
export interface StateCounts {
  readonly state: string;
  /** Distinct orders flagged stuck / lost in the span. */
  readonly stuck: number;
  readonly lost: number;
  /** OrderLost notifications: the state's alert group going from resolved to firing in the span. */
  readonly pages: number;
  /** OrdersStuck notifications, likewise. */
  readonly tickets: number;
  /** Closed stays that ended in the span, and those of them within the SLO's window. */
  readonly sloStays: number;
  readonly sloWithin: number;
}

/*
 * The backtest in one statement, so that memory holds a row per state, never the history's stays.
 *
 * Each stay is judged as statusesThrough judges history (tracker/detection): with a deadline at
 * entered_at + limit, an order that left before it was flagged then; leaving at the very instant is
 * not late. Lost comes at the first of lost_after and the handoffs' windows; stuck at expect_within
 * unless lost came first (the two at one instant: stuck, then lost). The stuck gauge counts the order
 * from its stuck flag until it is lost or leaves.
 *
 * - OrderLost (`increase(lost_total[lostWindow]) > 0`, no `for`) fires at a loss and keeps firing
 *   until lostWindow after the latest one. Alertmanager groups its alerts by state (the reasons in one
 *   group), so a page is a loss with no other loss of its state within lostWindow before it.
 * - OrdersStuck (`stuck > 0` for stuckFor) fires when the state has had a stuck order without a break
 *   for stuckFor: each run of overlapping or touching stuck intervals longer than that is a ticket,
 *   counted when it fires.
 *
 * An episode that began before `from` is not counted again inside the span: stays that ended up to
 * max(lostWindow, stuckFor) before `from` are read too, which is all an episode still going on at
 * `from` can reach back to be seen (a loss within lostWindow before; a stuck run firing after `from`
 * began at most stuckFor before it).
 */
const BACKTEST_SQL = `
WITH limits AS (
  SELECT * FROM unnest($1::text[], $2::float8[], $3::float8[], $4::float8[]) AS l(state, expect_s, lost_s, slo_s)
),
history AS (
  SELECT order_id, state, entered_at, left_at, true AS closed FROM stays
   WHERE state = ANY($1::text[]) AND left_at >= $5::timestamptz - greatest($8::float8, $9::float8) * interval '1 second'
     AND entered_at < $6::timestamptz
  UNION ALL
  -- An order's current stay lasts until openUntil; a history order's only until its source's history
  -- clock (migration 007), where what is known of it stops, as the detector judges it.
  SELECT o.order_id, o.state, o.state_since, greatest(least($7::timestamptz, coalesce(c.watermark, $7::timestamptz)), o.state_since), false
  FROM orders o LEFT JOIN source_clocks c ON c.source = o.clock_source
  WHERE o.state = ANY($1::text[]) AND o.state_since < $6::timestamptz
),
deadlines AS (
  SELECT h.*, l.slo_s, h.entered_at + l.expect_s * interval '1 second' AS stuck_deadline,
         h.entered_at + l.lost_s * interval '1 second' AS lost_deadline, l.expect_s, l.lost_s
  FROM history h JOIN limits l USING (state)
),
flags AS (
  SELECT order_id, state, entered_at, left_at, closed, slo_s,
         CASE WHEN lost_deadline < left_at THEN lost_deadline END AS lost_at,
         CASE WHEN stuck_deadline < left_at AND (lost_s IS NULL OR expect_s <= lost_s) THEN stuck_deadline END AS stuck_at,
         least(left_at, lost_deadline) AS stuck_end
  FROM deadlines
),
losses AS (
  SELECT state, lost_at, lag(lost_at) OVER (PARTITION BY state ORDER BY lost_at) AS previous
  FROM flags WHERE lost_at IS NOT NULL
),
pages AS (
  SELECT state, count(*) AS pages FROM losses
  WHERE lost_at >= $5::timestamptz AND lost_at < $6::timestamptz
    AND (previous IS NULL OR lost_at - previous > $8::float8 * interval '1 second')
  GROUP BY state
),
stuck AS (
  SELECT state, stuck_at, stuck_end,
         max(stuck_end) OVER (PARTITION BY state ORDER BY stuck_at, stuck_end ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS reach
  FROM flags WHERE stuck_at IS NOT NULL AND stuck_end > stuck_at
),
runs AS (
  SELECT state, stuck_at, stuck_end,
         count(*) FILTER (WHERE reach IS NULL OR stuck_at > reach) OVER (PARTITION BY state ORDER BY stuck_at, stuck_end ROWS UNBOUNDED PRECEDING) AS run
  FROM stuck
),
tickets AS (
  SELECT state, count(*) AS tickets FROM (
    SELECT state, min(stuck_at) + $9::float8 * interval '1 second' AS fires_at, max(stuck_end) AS ended FROM runs GROUP BY state, run
  ) r
  WHERE ended > fires_at AND fires_at >= $5::timestamptz AND fires_at < $6::timestamptz
  GROUP BY state
),
counts AS (
  SELECT state,
         count(DISTINCT order_id) FILTER (WHERE stuck_at >= $5::timestamptz AND stuck_at < $6::timestamptz) AS stuck,
         count(DISTINCT order_id) FILTER (WHERE lost_at >= $5::timestamptz AND lost_at < $6::timestamptz) AS lost,
         count(*) FILTER (WHERE closed AND slo_s IS NOT NULL AND left_at >= $5::timestamptz AND left_at < $6::timestamptz) AS slo_stays,
         count(*) FILTER (WHERE closed AND slo_s IS NOT NULL AND left_at >= $5::timestamptz AND left_at < $6::timestamptz
                            AND left_at - entered_at <= slo_s * interval '1 second') AS slo_within
  FROM flags GROUP BY state
)
SELECT l.state, coalesce(c.stuck, 0)::int AS stuck, coalesce(c.lost, 0)::int AS lost, coalesce(p.pages, 0)::int AS pages,
       coalesce(t.tickets, 0)::int AS tickets, coalesce(c.slo_stays, 0)::int AS slo_stays, coalesce(c.slo_within, 0)::int AS slo_within
FROM limits l LEFT JOIN counts c USING (state) LEFT JOIN pages p USING (state) LEFT JOIN tickets t USING (state)`;

/** Each state's flags, pages, tickets and SLO counts over the span, in the order of `limits`. */
export async function backtestCounts(sql: Sql, limits: readonly StateLimits[], span: BacktestSpan): Promise<StateCounts[]> {
  if (limits.length === 0) return [];
  const rows = await sql.query<{ state: string; stuck: number; lost: number; pages: number; tickets: number; slo_stays: number; slo_within: number }>(BACKTEST_SQL, [
    limits.map((l) => l.state),
    limits.map((l) => l.expectSeconds),
    limits.map((l) => l.lostSeconds),
    limits.map((l) => l.sloSeconds),
    timestampParam(span.from),
    timestampParam(span.to),
    timestampParam(span.openUntil),
    span.lostWindowSeconds,
    span.stuckForSeconds,
  ]);
  const byState = new Map(rows.map((r) => [r.state, r]));
  return limits.map(({ state }) => {
    const r = byState.get(state)!;
    return { state, stuck: r.stuck, lost: r.lost, pages: r.pages, tickets: r.tickets, sloStays: r.slo_stays, sloWithin: r.slo_within };
  });
}

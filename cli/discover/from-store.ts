import type { Sql } from '../../tracker';
import type { Observations, StateSummary } from './observations';

/**
 * Observations of the orders in the store, aggregated by PostgreSQL (percentiles with
 * percentile_cont, as the report computes them): nothing grows with the history here but the answer.
 * The open stay of each order is its row in orders (seq_no stay_count - 1), its closed stays are rows
 * of stays; labels are the `activity` attribute imports keep on each event.
 */
export async function observeStore(sql: Sql): Promise<Observations> {
  const ALL_STAYS = `SELECT order_id, seq_no, state, system, duration_seconds FROM stays
     UNION ALL SELECT order_id, stay_count - 1, state, system, NULL FROM orders WHERE state IS NOT NULL`;
  const [totals] = await sql.query<{ orders: number; events: number; first_at: string | null; last_at: string | null }>(
    `SELECT (SELECT count(*) FROM orders)::float8 AS orders, (SELECT count(*) FROM events)::float8 AS events,
            to_char(min(first_event_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS first_at,
            to_char(max(last_event_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS last_at FROM orders`,
  );
  const stateRows = await sql.query<{ state: string; closed: number; open: number; percentiles: [number, number, number] | null; mean: number | null; first_position: number }>(
    `WITH all_stays AS (${ALL_STAYS}),
     firsts AS (SELECT state, min(seq_no) AS position FROM all_stays GROUP BY order_id, state)
     SELECT a.state, count(a.duration_seconds)::float8 AS closed, count(*) FILTER (WHERE a.duration_seconds IS NULL)::float8 AS open,
            percentile_cont(ARRAY[0.5, 0.9, 0.99]) WITHIN GROUP (ORDER BY a.duration_seconds) AS percentiles,
            avg(a.duration_seconds)::float8 AS mean,
            (SELECT avg(position)::float8 FROM firsts f WHERE f.state = a.state) AS first_position
     FROM all_stays a GROUP BY a.state`,
  );
  const systems = await sql.query<{ state: string; system: string; n: number }>(`WITH all_stays AS (${ALL_STAYS}) SELECT state, system, count(*)::float8 AS n FROM all_stays GROUP BY 1, 2`);
  const labels = await sql.query<{ state: string; label: string; n: number }>(
    `SELECT state, attributes->>'activity' AS label, count(*)::float8 AS n FROM events WHERE attributes ? 'activity' GROUP BY 1, 2`,
  );
  const moves = await sql.query<{ from_state: string; to_state: string; n: number }>(
    `WITH all_stays AS (${ALL_STAYS})
     SELECT a.state AS from_state, b.state AS to_state, count(*)::float8 AS n
     FROM all_stays a JOIN all_stays b ON b.order_id = a.order_id AND b.seq_no = a.seq_no + 1 GROUP BY 1, 2`,
  );
  const ends = await sql.query<{ state: string; n: number }>(`SELECT state, count(*)::float8 AS n FROM orders WHERE state IS NOT NULL GROUP BY 1`);
  const starts = await sql.query<{ state: string; n: number }>(`WITH all_stays AS (${ALL_STAYS}) SELECT state, count(*)::float8 AS n FROM all_stays WHERE seq_no = 0 GROUP BY 1`);

  const grouped = <R extends { state: string; n: number }>(rows: readonly R[], key: (r: R) => string) => {
    const out = new Map<string, Map<string, number>>();
    for (const r of rows) {
      const inner = out.get(r.state) ?? new Map<string, number>();
      out.set(r.state, inner.set(key(r), r.n));
    }
    return out;
  };
  const systemsByState = grouped(systems, (r) => r.system);
  const labelsByState = grouped(labels, (r) => r.label);
  const states = new Map<string, StateSummary>(
    stateRows.map((r) => [
      r.state,
      {
        closed: r.closed,
        p50: r.closed ? r.percentiles![0] : null,
        p90: r.closed ? r.percentiles![1] : null,
        p99: r.closed ? r.percentiles![2] : null,
        mean: r.closed ? r.mean : null,
        open: r.open,
        systems: systemsByState.get(r.state) ?? new Map(),
        labels: labelsByState.get(r.state) ?? new Map(),
        meanFirstPosition: r.first_position,
      },
    ]),
  );
  const transitions = new Map<string, Map<string, number>>();
  for (const m of moves) transitions.set(m.from_state, (transitions.get(m.from_state) ?? new Map<string, number>()).set(m.to_state, m.n));
  return {
    origin: 'the store',
    orders: totals?.orders ?? 0,
    events: totals?.events ?? 0,
    firstEventAt: totals?.first_at ?? null,
    lastEventAt: totals?.last_at ?? null,
    states,
    transitions,
    starts: new Map(starts.map((r) => [r.state, r.n])),
    ends: new Map(ends.map((r) => [r.state, r.n])),
  };
}

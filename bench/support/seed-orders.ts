import type { ProcessModel } from '../../events';
import type { Micros, Sql } from '../../tracker';
import { formatEventTime } from '../../tracker';

/** Which orders: `<prefix>1` to `<prefix><count>`, all in `state` of `model` (a state with an SLA). */
export interface SeedOrders {
  readonly count: number;
  readonly model: ProcessModel;
  readonly state: string;
  readonly prefix?: string;
}

function slaOf(o: SeedOrders): string {
  const seconds = o.model.state(o.state)?.expectWithinSeconds;
  if (!seconds) throw new Error(`"${o.state}" is not a state with an SLA in model ${o.model.name}`);
  return `${seconds} seconds`;
}

/**
 * Inserts open orders straight into the tracker's tables with generate_series (no bus, no apply):
 * each with one event (with a trace id) and the row apply would have written: status open, in
 * `state` since `from` plus a millisecond per order, due at the end of its SLA. For the sweeper's
 * benchmark and tests, which need many open orders; {@link makeDue} then makes some of them due.
 */
export async function seedOpenOrders(sql: Sql, o: SeedOrders & { readonly from: Micros }): Promise<void> {
  const [prefix, system, from] = [o.prefix ?? 'o-', o.model.state(o.state)!.system, formatEventTime(o.from)];
  const since = `$4::timestamptz + i * interval '1 millisecond'`;
  await sql.query(
    `INSERT INTO events (event_id, order_id, source, state, occurred_at, seq, trace_id, attributes)
     SELECT md5($1 || i)::uuid, $1 || i, $3, $2, ${since}, 0, md5('trace' || $1 || i), '{}'
     FROM generate_series(1, $5::int) AS i`,
    [prefix, o.state, system, from, o.count],
  );
  await sql.query(
    `INSERT INTO orders (order_id, state, system, state_since, state_event_id, stay_count, status, next_deadline_at,
                         first_event_at, last_event_at, last_event_seq, last_event_id, event_count)
     SELECT $1 || i, $2, $3, ${since}, md5($1 || i)::uuid, 1, 'open', ${since} + $6::interval, ${since}, ${since}, 0, md5($1 || i)::uuid, 1
     FROM generate_series(1, $5::int) AS i`,
    [prefix, o.state, system, from, o.count, slaOf(o)],
  );
  // As a database that has been running a while: statistics, and the visibility map of a vacuum.
  await sql.query('VACUUM (ANALYZE) orders, events');
}

/**
 * Makes the first `count` seeded orders open and due at `at` (again, if a sweep flagged them before):
 * they entered their state one SLA before it. One statement, through the primary key.
 */
export async function makeDue(sql: Sql, o: SeedOrders & { readonly at: Micros }): Promise<void> {
  await sql.query(
    `UPDATE orders SET status = 'open', state_since = $3::timestamptz - $4::interval, first_event_at = $3::timestamptz - $4::interval,
                       last_event_at = $3::timestamptz - $4::interval, next_deadline_at = $3::timestamptz
     WHERE order_id = ANY (ARRAY(SELECT $1 || i FROM generate_series(1, $2::int) AS i))`,
    [o.prefix ?? 'o-', o.count, formatEventTime(o.at), slaOf(o)],
  );
}

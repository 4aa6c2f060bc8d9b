import type { Sql } from './db';

/**
 * Lost orders per state now (the home page's in-flight chart; stateOccupancy gives the orders and
 * the stuck ones): a scan of orders_flagged (002), which holds only flagged orders, whatever the
 * number of orders in flight.
 */
export async function lostByState(sql: Sql): Promise<Map<string, number>> {
  const rows = await sql.query<{ state: string; orders: number }>(`SELECT state, count(*)::float8 AS orders FROM orders WHERE status = 'lost' GROUP BY state`);
  return new Map(rows.map((r) => [r.state, r.orders]));
}

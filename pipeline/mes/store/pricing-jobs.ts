import type { ClientBase, Pool } from 'pg';
import type { PricingRequest, Quote } from '../../shared/messages';

/** Where a pricing job is: just created by this delivery, or found from an earlier one. */
export type JobStart = 'started' | 'pricing' | 'quoted';

/**
 * Creates the pricing job of a request, or finds the one an earlier delivery created: the upsert
 * keyed by order id is what makes a redelivered request harmless.
 */
export async function startJob(tx: ClientBase, request: PricingRequest, partKey: string, worker: string): Promise<JobStart> {
  const inserted = await tx.query(
    `INSERT INTO pricing_jobs (order_id, state, customer_id, segment, part, quantity, part_key, priced_by)
     VALUES ($1, 'pricing', $2, $3, $4, $5, $6, $7) ON CONFLICT (order_id) DO NOTHING`,
    [request.order_id, request.customer_id, request.segment, JSON.stringify(request.part), request.quantity, partKey, worker],
  );
  if (inserted.rowCount === 1) return 'started';
  const { rows } = await tx.query<{ state: 'pricing' | 'quoted' }>('SELECT state FROM pricing_jobs WHERE order_id = $1', [request.order_id]);
  return rows[0]!.state;
}

/** Stores the price and moves the job to quoted; false when another delivery finished it first. */
export async function finishJob(tx: ClientBase, orderId: string, unitPriceCents: number, cacheResult: string): Promise<boolean> {
  const { rowCount } = await tx.query(
    `UPDATE pricing_jobs SET state = 'quoted', unit_price_cents = $2::int, total_cents = $2::bigint * quantity, cache_result = $3
     WHERE order_id = $1 AND state = 'pricing'`,
    [orderId, unitPriceCents, cacheResult],
  );
  return rowCount === 1;
}

/** The quote of a priced order, as the CRM receives it. */
export async function quoteOf(db: Pool | ClientBase, orderId: string): Promise<Quote> {
  const { rows } = await db.query<Quote>(
    `SELECT order_id, customer_id, segment, part, quantity, part_key, unit_price_cents, total_cents::float8 AS total_cents
     FROM pricing_jobs WHERE order_id = $1 AND state = 'quoted'`,
    [orderId],
  );
  if (!rows[0]) throw new Error(`order ${orderId} has no quote`);
  return rows[0];
}

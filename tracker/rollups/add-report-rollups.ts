import type { Sql } from '../store';
import type { OrderPosition } from '../timeline';
import { rollupChanges, type RolledOrder } from './rollup-changes';
import { addRollupChanges } from './rollups-table';

/**
 * Adds what a batch did to its orders to the report rollups, in the batch's transaction, after its
 * stays were written (see {@link rollupChanges}).
 *
 * @param orders each order the batch planned: its closed-stay changes and its new position
 * @param stored the orders' positions before the batch (absent: seen for the first time)
 */
export async function addReportRollups(sql: Sql, orders: readonly RolledOrder[], stored: ReadonlyMap<string, { readonly position: OrderPosition }>): Promise<void> {
  await addRollupChanges(sql, rollupChanges(orders, stored));
}

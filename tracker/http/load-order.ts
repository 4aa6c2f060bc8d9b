import { getOrder, loadStays, orderEvents, orderStatusHistory, type Db } from '../store';

/**
 * Everything an order's timeline shows (its row, closed stays, events and status history), read in
 * one read-only snapshot so that they agree with each other; undefined for an order never seen.
 */
export async function loadOrderTimeline(db: Db, orderId: string) {
  return db.transaction(async (tx) => {
    await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
    const order = await getOrder(tx, orderId);
    if (!order) return undefined;
    return { order, stays: await loadStays(tx, [orderId]), events: await orderEvents(tx, orderId), history: await orderStatusHistory(tx, orderId) };
  });
}

/** What to say about an order id nobody has seen. */
export function orderNotFoundMessage(orderId: string): string {
  return `no order "${orderId}" is known: none of its events has been applied (check the id; orders appear with their first event)`;
}

import { printable } from '../../common';
import { orderIdProblem } from '../../events';
import { getOrder, loadStays, orderEvents, orderRedrives, orderStatusHistory, type Db } from '../store';

/**
 * What is wrong with an order id taken from a URL path (`/v1/orders/{id}`, `/orders/{id}`), by the event
 * contract's own rule, as the 400 says it; undefined for an id an event can have. An id no event can
 * have is never looked up: nothing has it, and a U+0000 in it would fail in PostgreSQL (a 500).
 */
export function badOrderIdMessage(orderId: string): string | undefined {
  const problem = orderIdProblem(orderId);
  return problem === undefined ? undefined : `order_id: "${printable(orderId)}" is not an order id (${problem})`;
}

/**
 * Everything an order's timeline shows (its row, closed stays, events, status history and redrives), read in
 * one read-only snapshot so that they agree with each other; undefined for an order never seen.
 */
export async function loadOrderTimeline(db: Db, orderId: string) {
  return db.transaction(async (tx) => {
    await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
    const order = await getOrder(tx, orderId);
    if (!order) return undefined;
    return {
      order,
      stays: await loadStays(tx, [orderId]),
      events: await orderEvents(tx, orderId),
      history: await orderStatusHistory(tx, orderId),
      redrives: await orderRedrives(tx, orderId),
    };
  });
}

/** What to say about an order id nobody has seen. */
export function orderNotFoundMessage(orderId: string): string {
  return `no order "${orderId}" is known: none of its events has been applied (check the id; orders appear with their first event)`;
}

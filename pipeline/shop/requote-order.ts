import { NotFoundError } from '../shared/errors';
import type { RedriveAnswer } from '../shared/redrive';
import { findOrder } from './orders-store';
import { pricingRequestOf, requestCostAnalysis, resendCostAnalysis, type PlaceOrderDeps } from './place-order';

/**
 * A redrive of an order the MES lost (e.g. a worker acked its request and died): the shop sends its
 * cost-analysis request again, the same message as when it was placed, through the outbox.
 *
 * - `placed` (step 2 of placing never ran): requests the cost analysis, which tracks quote_requested;
 * - `quote_requested`: publishes the request again. The shop cannot tell whether the MES priced the
 *   order (pricing happens in the MES's database); it need not: the MES prices an order once (its
 *   pricing job is keyed by order id), so a request for an order it priced already only sends the
 *   stored quote to the CRM again, which takes a quote once per order. Nothing is tracked here;
 * - the request still in the outbox (RabbitMQ has not confirmed it): nothing new, it is published now.
 */
export async function requoteOrder(deps: PlaceOrderDeps, orderId: string): Promise<RedriveAnswer> {
  const order = await findOrder(deps.pool, orderId);
  if (!order) throw new NotFoundError(`no order "${orderId}" in the shop`);
  const request = pricingRequestOf(order);
  if (order.state === 'placed' && (await requestCostAnalysis(deps, request))) {
    return { order_id: orderId, redriven: true, state: 'quote_requested', reason: 'the order had not requested its cost analysis: requested now' };
  }
  if (!(await resendCostAnalysis(deps, request))) {
    return {
      order_id: orderId,
      redriven: false,
      state: 'quote_requested',
      reason: 'its cost-analysis request is still in the outbox, not yet confirmed by RabbitMQ: the outbox publishes it (tried again now)',
    };
  }
  return {
    order_id: orderId,
    redriven: true,
    state: 'quote_requested',
    reason:
      'sent its cost-analysis request to mes.pricing again; the MES prices an order once, so for an order it priced already this only sends the stored quote to the CRM again (which takes it once)',
  };
}

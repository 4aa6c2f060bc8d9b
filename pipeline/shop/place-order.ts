import { randomBytes } from 'node:crypto';
import type { Pool } from 'pg';
import { QUEUES } from '../shared/amqp/topology';
import { withTransaction } from '../shared/db';
import type { NewOrder, PartSpec, PricingRequest } from '../shared/messages';
import { enqueueMessage, type OutboxMessage, type OutboxRelay } from '../shared/outbox';
import type { RecordStateChange } from '../shared/state-journal';
import { findOrder, findOrderByIdempotencyKey, insertOrder, moveOrder, type ShopOrder } from './orders-store';

/** A new order id: `SO-<yyyymmdd>-<10 hex digits>`, unique without coordination between shop replicas. */
export function newOrderId(now: Date = new Date()): string {
  return `SO-${now.toISOString().slice(0, 10).replaceAll('-', '')}-${randomBytes(5).toString('hex').toUpperCase()}`;
}

export interface PlaceOrderDeps {
  readonly pool: Pool;
  readonly relay: OutboxRelay;
  readonly recordStateChange: RecordStateChange;
  /** The faultUntrackedPart toggle: the parts it applies to, and how their orders' changes are recorded (with no event). */
  readonly untracked?: { readonly applies: (partNumber: string) => boolean; readonly recordStateChange: RecordStateChange };
}

/** How an order for `part` records its state changes: without its events where the faultUntrackedPart toggle applies. */
function recorderFor(deps: PlaceOrderDeps, part: PartSpec): RecordStateChange {
  return deps.untracked?.applies(part.part_number) ? deps.untracked.recordStateChange : deps.recordStateChange;
}

/**
 * Places an order and asks the MES for its cost analysis, with no salesperson in between:
 *
 * 1. the order is stored in state `placed` (and tracked);
 * 2. in one transaction, it moves to `quote_requested` and the pricing request is written to the
 *    outbox; the relay publishes it to RabbitMQ right after the commit (and again later if RabbitMQ
 *    does not confirm it).
 *
 * `quote_requested` is recorded before the request is published, so that its event is always earlier
 * than the MES's `pricing`. With an idempotency key, placing the same order again returns the first
 * one, and completes step 2 if a failure had stopped it there.
 */
export async function placeOrder(deps: PlaceOrderDeps, input: NewOrder, idempotencyKey?: string): Promise<{ order: ShopOrder; created: boolean }> {
  const { pool } = deps;
  const newId = newOrderId();
  const created = await withTransaction(pool, async (tx) => {
    if (!(await insertOrder(tx, newId, input, idempotencyKey))) return false;
    await recorderFor(deps, input.part)(tx, newId, 'placed', { segment: input.segment });
    return true;
  });
  const existing = created ? undefined : await findOrderByIdempotencyKey(pool, idempotencyKey!);
  const orderId = existing?.order_id ?? newId;
  await requestCostAnalysis(deps, existing ? pricingRequestOf(existing) : { order_id: orderId, ...input });
  return { order: (await findOrder(pool, orderId))!, created };
}

/** The cost-analysis request of an order, as it goes to the outbox (the id is the receivers' dedup key). */
function pricingMessage(request: PricingRequest): OutboxMessage {
  return { messageId: `pricing-request:${request.order_id}`, queue: QUEUES.pricing, body: request };
}

/** The cost-analysis request of a stored order: the same message every time, from the order's row. */
export function pricingRequestOf(order: ShopOrder): PricingRequest {
  const { order_id, customer_id, segment, part, quantity } = order;
  return { order_id, customer_id, segment, part, quantity };
}

/**
 * Step 2: moves a placed order to quote_requested with its pricing request in the outbox; false (and
 * nothing done) when it moved on already.
 */
export async function requestCostAnalysis(deps: PlaceOrderDeps, request: PricingRequest): Promise<boolean> {
  const message = pricingMessage(request);
  const moved = await withTransaction(deps.pool, async (tx) => {
    if (!(await moveOrder(tx, request.order_id, 'placed', 'quote_requested'))) return false;
    await enqueueMessage(tx, message);
    await recorderFor(deps, request.part)(tx, request.order_id, 'quote_requested', { segment: request.segment });
    return true;
  });
  if (moved) await deps.relay.publishNow([message.messageId]);
  return moved;
}

/**
 * Sends the cost-analysis request of an order that requested it already once more, through the
 * outbox (published now, swept up later if RabbitMQ does not confirm it). No state changes. False
 * when the request is still in the outbox (not confirmed yet): then it is only published now.
 */
export async function resendCostAnalysis(deps: PlaceOrderDeps, request: PricingRequest): Promise<boolean> {
  const message = pricingMessage(request);
  const written = await withTransaction(deps.pool, (tx) => enqueueMessage(tx, message));
  await deps.relay.publishNow([message.messageId]);
  return written;
}

import type { Pool } from 'pg';
import { QUEUES } from '../shared/amqp/topology';
import { withTransaction } from '../shared/db';
import { ConflictError, NotFoundError } from '../shared/errors';
import type { ProductionOrder } from '../shared/messages';
import { enqueueMessage, type OutboxRelay } from '../shared/outbox';
import type { RecordStateChange } from '../shared/state-journal';
import type { Assigner } from './assigner';
import { confirmAssigned, findOrder, type CrmOrder } from './orders-store';

export interface ConfirmDeps {
  readonly pool: Pool;
  readonly relay: OutboxRelay;
  readonly assigner: Assigner;
  readonly recordStateChange: RecordStateChange;
}

/**
 * An operator confirms an order assigned to them (after talking to the customer): `confirmed`, and
 * in the same transaction the production order for the MES goes to the outbox (queue
 * mes.production), published right after the commit. The operator's capacity frees up, so an
 * assignment pass runs.
 */
export async function confirmOrder(deps: ConfirmDeps, orderId: string, operatorId: string): Promise<CrmOrder> {
  const messageId = `production-order:${orderId}`;
  await withTransaction(deps.pool, async (tx) => {
    const outcome = await confirmAssigned(tx, orderId, operatorId);
    if (!outcome.moved) {
      if (!outcome.state) throw new NotFoundError(`no order "${orderId}" in the CRM`);
      if (outcome.state === 'assigned') throw new ConflictError(`order ${orderId} is assigned to ${outcome.operatorId}, not to ${operatorId}`, outcome.state);
      throw new ConflictError(`order ${orderId} is ${outcome.state}; only an assigned order can be confirmed`, outcome.state);
    }
    const production: ProductionOrder = { ...outcome.quote, operator_id: operatorId };
    await enqueueMessage(tx, { messageId, queue: QUEUES.production, body: production });
    await deps.recordStateChange(tx, orderId, 'confirmed', { segment: outcome.quote.segment, operator_id: operatorId });
  });
  await deps.relay.publishNow([messageId]);
  void deps.assigner.run();
  return (await findOrder(deps.pool, orderId))!;
}

import type { Pool } from 'pg';
import { redriveDeadLetters, withRabbitMq } from '../../shared/amqp/dead-letter-queue';
import { deadQueueOf, QUEUES } from '../../shared/amqp/topology';
import { NotFoundError } from '../../shared/errors';
import type { RedriveAnswer } from '../../shared/redrive';
import { findProduction } from '../store/production-orders';

export interface RequeueDeps {
  readonly pool: Pool;
  /** RabbitMQ, where the production orders the intake gave up on wait (mes.production.dead). */
  readonly amqpUrl: string;
}

const PRODUCTION_DEAD = deadQueueOf(QUEUES.production);

/**
 * A redrive of an order the CRM confirmed that never reached in_production. The MES's intake (the
 * mes-worker consuming mes.production) either took the production order in, and then it is queued
 * for the shop floor, or gave up on it after its retries and dead-lettered it: then it is moved from
 * mes.production.dead back to mes.production, and the intake takes it in (idempotent by order id).
 *
 * Nothing is tracked here: `queued` is not a tracked state, the shop floor's start tracks
 * in_production. Read from the primary: a replica may not have the intake's row yet.
 */
export async function requeueProduction(deps: RequeueDeps, orderId: string): Promise<RedriveAnswer> {
  const order = await findProduction(deps.pool, orderId);
  if (order?.state === 'queued') {
    return {
      order_id: orderId,
      redriven: false,
      state: 'queued',
      reason: `the MES took it in (queued for the shop floor since ${new Date(order.state_since).toISOString()}): POST /production/${orderId}/start starts it`,
    };
  }
  if (order) return { order_id: orderId, redriven: false, state: order.state, reason: `already ${order.state}: nothing to requeue` };

  const { moved } = await withRabbitMq(deps.amqpUrl, '--amqp-url, ORDERSCOPE_AMQP_URL', (model) => redriveDeadLetters(model, PRODUCTION_DEAD, { orderId }));
  if (moved.length === 0) {
    throw new NotFoundError(
      `no production order "${orderId}" in the MES, nor in ${PRODUCTION_DEAD}: has the CRM confirmed it? (a confirmed order's production order leaves the CRM's outbox within seconds)`,
    );
  }
  return {
    order_id: orderId,
    redriven: true,
    state: null,
    reason: `moved its production order from ${PRODUCTION_DEAD} back to ${QUEUES.production.name} (it had died there: ${moved[0]!.reason ?? 'no reason recorded'}); the MES worker takes it in`,
  };
}

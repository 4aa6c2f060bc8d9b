import type { Pool } from 'pg';
import { NotFoundError } from '../shared/errors';
import type { RedriveAnswer } from '../shared/redrive';
import type { Assigner } from './assigner';
import { findOrder } from './orders-store';

export interface ReassignDeps {
  readonly pool: Pool;
  readonly assigner: Assigner;
}

/**
 * A redrive of an order stuck before its assignment: runs an assignment pass now and says whether
 * it assigned the order. The pass is the one the CRM runs every second (fair shares, B2B first), so a
 * redrive can never hand an order out of turn; the pass tracks `assigned` when it assigns. An order
 * assigned or confirmed already is left alone. An order the CRM does not hold never had its quote
 * arrive: the 404 says where to look.
 */
export async function reassignOrder(deps: ReassignDeps, orderId: string): Promise<RedriveAnswer> {
  const before = await findOrder(deps.pool, orderId);
  if (!before) {
    throw new NotFoundError(
      `no order "${orderId}" in the CRM: its quote never arrived (see \`orderscope pipeline dlq list --queue crm.quotes.dead\`, or requote it at the shop)`,
    );
  }
  if (before.state !== 'pending') {
    return { order_id: orderId, redriven: false, state: before.state, reason: `already ${before.state} (operator ${before.operator_id}): nothing to assign` };
  }
  await deps.assigner.run();
  const after = (await findOrder(deps.pool, orderId))!;
  if (after.state === 'pending') {
    return {
      order_id: orderId,
      redriven: false,
      state: 'pending',
      reason: 'an assignment pass ran and no active operator has free capacity for it (or another CRM replica is assigning): it waits for one, B2B first, oldest first',
    };
  }
  return { order_id: orderId, redriven: true, state: after.state, reason: `assigned to operator ${after.operator_id}` };
}

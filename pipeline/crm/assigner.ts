import type { Pool } from 'pg';
import type { Logger } from '../../common';
import { withTransaction } from '../shared/db';
import type { RecordStateChange } from '../shared/state-journal';
import { ORDER_ID_ATTRIBUTE } from '../../events';
import { inSpan } from '../shared/trace-context';
import { assignOrders } from './assignment';
import type { CrmMetrics } from './metrics';
import { assignOrder, claimPending, operatorLoads } from './orders-store';

/** Pending orders one pass considers at most. */
const PASS_SIZE = 200;
/** How often a pass runs without being asked (orders that waited for capacity, or for another replica). */
const PASS_INTERVAL_MS = 1000;
/** Serializes passes across CRM replicas (pg_try_advisory_xact_lock): two passes would compute shares from the same loads. */
const ASSIGN_LOCK_KEY = 0x6f7264657273; // "orders"

export interface AssignerDeps {
  readonly pool: Pool;
  readonly recordStateChange: RecordStateChange;
  readonly b2bFirst: boolean;
  readonly fairnessWindowMs: number;
  readonly metrics: CrmMetrics;
  readonly logger: Logger;
}

/**
 * Assigns pending orders to operators in passes: when a quote arrives, when an operator confirms
 * (capacity frees up), and every second. A pass locks the pending orders, reads the operators'
 * loads, lets {@link assignOrders} decide, and records each assignment (tracked `assigned`) in one
 * transaction. Each assignment runs in a span whose parent is the trace the quote arrived in, so the
 * order's trace goes on from the shop through the MES into the CRM.
 */
export class Assigner {
  private requested = false;
  private running: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly deps: AssignerDeps) {}

  start(): void {
    this.timer = setInterval(() => void this.run(), PASS_INTERVAL_MS);
    this.timer.unref();
  }

  /** Runs a pass, or one more after the one running; resolves once no pass is asked for. Never rejects. */
  run(): Promise<void> {
    this.requested = true;
    return (this.running ??= this.loop().finally(() => (this.running = undefined)));
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    await this.running;
  }

  private async loop(): Promise<void> {
    while (this.requested && !this.closed) {
      this.requested = false;
      await this.pass().catch((err: unknown) => this.deps.logger.error({ err }, 'an assignment pass failed; the next one retries'));
    }
  }

  private async pass(): Promise<void> {
    const { recordStateChange, metrics, logger } = this.deps;
    await withTransaction(this.deps.pool, async (tx) => {
      const { rows } = await tx.query<{ ok: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS ok', [ASSIGN_LOCK_KEY]);
      if (!rows[0]?.ok) return; // another replica is assigning; the timer comes back
      const pending = await claimPending(tx, PASS_SIZE);
      if (pending.length === 0) return;
      const byId = new Map(pending.map((p) => [p.order_id, p]));
      const { assignments, waiting } = assignOrders(
        pending.map((p) => ({ orderId: p.order_id, segment: p.segment, receivedAt: p.received_at.getTime() })),
        await operatorLoads(tx, this.deps.fairnessWindowMs),
        { b2bFirst: this.deps.b2bFirst },
      );
      for (const { orderId, operatorId } of assignments) {
        const order = byId.get(orderId)!;
        await inSpan(
          'crm assign order',
          { [ORDER_ID_ATTRIBUTE]: orderId, 'crm.operator_id': operatorId },
          async () => {
            const quote = await assignOrder(tx, orderId, operatorId);
            if (!quote) return;
            await recordStateChange(tx, orderId, 'assigned', { segment: order.segment, operator_id: operatorId, amount: quote.total_cents / 100 });
            metrics.assigned.inc({ operator: operatorId });
          },
          order.trace_carrier,
        );
      }
      if (waiting.length > 0) logger.debug({ waiting: waiting.length }, 'orders wait for an operator with free capacity');
    });
  }
}

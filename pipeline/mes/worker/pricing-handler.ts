import type { Pool } from 'pg';
import type { Logger } from '../../../common';
import { ackThenDieApplies, type Toggles } from '../../config/toggles';
import type { Delivery } from '../../shared/amqp/consumer';
import type { Publisher } from '../../shared/amqp/publisher';
import { QUEUES } from '../../shared/amqp/topology';
import { withTransaction } from '../../shared/db';
import { ServiceCrash } from '../../shared/errors';
import type { PricingRequest } from '../../shared/messages';
import type { RecordStateChange } from '../../shared/state-journal';
import { ORDER_ID_ATTRIBUTE } from '../../../events';
import { inSpan } from '../../shared/trace-context';
import { partKey } from '../pricing/part-key';
import type { PriceCache } from '../pricing/price-cache';
import type { PricedPart } from '../pricing/price-part';
import { finishJob, quoteOf, startJob } from '../store/pricing-jobs';
import type { PricingMetrics } from './metrics';

export interface PricingHandlerDeps {
  readonly pool: Pool;
  readonly publisher: Publisher;
  readonly cache: PriceCache;
  /** Runs a cost analysis on a pricing thread. */
  readonly analyse: (part: PricingRequest['part']) => Promise<PricedPart>;
  readonly recordStateChange: RecordStateChange;
  readonly toggles: Toggles;
  /** This worker's instance name, stored with the jobs it prices. */
  readonly instance: string;
  readonly metrics: PricingMetrics;
  readonly logger: Logger;
}

/**
 * Handles a cost-analysis request (queue mes.pricing): `pricing` when it starts, the price (from
 * the cache, or a cost analysis), `quoted`, then the quote to the CRM (queue crm.quotes). The
 * message is acked after the quote is confirmed.
 *
 * Idempotent: the pricing job row (keyed by order id) says how far an earlier delivery got. A
 * redelivered request neither tracks `pricing` nor `quoted` again, and publishes the stored quote
 * again (the CRM takes a quote once per order).
 */
export function createPricingHandler(deps: PricingHandlerDeps): (request: PricingRequest, delivery: Delivery) => Promise<void> {
  const { pool, recordStateChange, metrics, logger } = deps;
  return async (request, delivery) => {
    const orderId = request.order_id;
    if (ackThenDieApplies(deps.toggles, request.part.part_number)) {
      delivery.ackBeforeProcessing();
      throw new ServiceCrash(
        `fault injection faultAckThenDieOnPart="${deps.toggles.faultAckThenDieOnPart}": acked the cost-analysis request of order ${orderId} before processing it; ` +
          'the worker dies and the order stops after quote_requested, as with the old MES',
      );
    }
    const key = partKey(request.part);
    const attributes = { segment: request.segment };
    const job = await withTransaction(pool, async (tx) => {
      const found = await startJob(tx, request, key, deps.instance);
      if (found === 'started') await recordStateChange(tx, orderId, 'pricing', attributes);
      return found;
    });

    if (job !== 'quoted') {
      const { priced, result } = await inSpan('mes price part', { 'orderscope.part_key': key, [ORDER_ID_ATTRIBUTE]: orderId }, async (span) => {
        const outcome = await deps.cache.getOrCompute(key, () => analyse(deps, request));
        span.setAttribute('orderscope.pricing.cache', outcome.result);
        return outcome;
      });
      metrics.cacheLookups.inc({ result });
      const total = priced.unit_price_cents * request.quantity;
      await withTransaction(pool, async (tx) => {
        if (await finishJob(tx, orderId, priced.unit_price_cents, result)) {
          await recordStateChange(tx, orderId, 'quoted', { ...attributes, amount: total / 100 });
        }
      });
      logger.info({ order_id: orderId, part_key: key, cache: result, unit_price_cents: priced.unit_price_cents, redelivered: delivery.redelivered }, 'order priced');
    }
    await deps.publisher.publish(QUEUES.quotes, await quoteOf(pool, orderId), `quote:${orderId}`);
  };
}

async function analyse(deps: PricingHandlerDeps, request: PricingRequest): Promise<PricedPart> {
  const end = deps.metrics.analysisDuration.startTimer();
  try {
    return await deps.analyse(request.part);
  } finally {
    end();
    deps.metrics.analyses.inc();
  }
}

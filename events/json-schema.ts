import { z } from 'zod';
import { orderEventShape, LIMITS } from './order-event';

/**
 * The JSON Schema of the order event, for producers in other languages. Generated from the zod
 * schema so that the two cannot drift; the clock rule on occurred_at is described, not encoded.
 */
export function orderEventJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(orderEventShape, { io: 'input', target: 'draft-2020-12' }) as Record<string, unknown>;
  return {
    $id: 'https://orderscope.dev/schemas/order-event.v1.json',
    title: 'orderscope order event',
    description:
      `One observation that an order entered a state. event_id is the idempotency key. occurred_at is event time ` +
      `and may be years in the past, but at most ${LIMITS.maxFutureSkewSeconds} s in the future.`,
    ...schema,
  };
}

import { z } from 'zod';
import { orderEventShape, LIMITS } from './order-event';

/**
 * The JSON Schema of the order event, for producers in other languages. Generated from the zod
 * schema so that the two cannot drift; the rules JSON Schema cannot say (the clock rule and range of
 * occurred_at, the characters no string may hold, the two order ids that are not ids) are described.
 */
export function orderEventJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(orderEventShape, { io: 'input', target: 'draft-2020-12' }) as Record<string, unknown>;
  return {
    $id: 'https://orderscope.dev/schemas/order-event.v1.json',
    title: 'orderscope order event',
    description:
      `One observation that an order entered a state. event_id is the idempotency key. occurred_at is event time ` +
      `and may be years in the past, but at most ${LIMITS.maxFutureSkewSeconds} s in the future; it must be at or after ` +
      `${LIMITS.occurredAtFrom} and before ${LIMITS.occurredAtBefore}, with an offset between -${LIMITS.maxOffset} and ` +
      `+${LIMITS.maxOffset}; digits beyond the microsecond are rounded, half to even. No string (attribute names and ` +
      `values included) may contain U+0000 or a lone surrogate (a \\u0000 escape or an unpaired \\ud800-\\udfff one). ` +
      `order_id must not be "." or "..". state is the process model's name, label or alias of the state (the tracker ` +
      `maps a label or alias to the name), on one line: no control characters, not only spaces.`,
    ...schema,
  };
}

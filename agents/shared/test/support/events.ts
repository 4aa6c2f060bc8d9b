import { randomUUID } from 'node:crypto';
import type { OrderEventInput } from '../../../../events';

let seq = 0;

/** A valid order event from the shop with a fresh event_id; `overrides` replace fields. */
export function testEvent(overrides: Partial<OrderEventInput> = {}): OrderEventInput {
  return {
    schema_version: 1,
    event_id: randomUUID(),
    order_id: `SO-${randomUUID().slice(0, 8)}`,
    source: 'shop',
    state: 'placed',
    occurred_at: new Date().toISOString(),
    seq: seq++,
    ...overrides,
  };
}

import { randomUUID } from 'node:crypto';
import type { OrderEventInput } from '../../events';

/**
 * The i-th event of a batch as the collector and contract benchmarks send it: a new order placed a
 * minute before `nowMs`, with a trace id and two attributes (a string and a number), as an agent's
 * trackOrder makes them.
 */
export function benchEvent(nowMs: number, i: number): OrderEventInput {
  return {
    schema_version: 1,
    event_id: randomUUID(),
    order_id: `BENCH-${randomUUID().slice(0, 13)}`,
    source: 'shop',
    state: 'placed',
    occurred_at: new Date(nowMs - 60_000 + i).toISOString(),
    seq: 0,
    trace_id: randomUUID().replace(/-/g, ''),
    attributes: { segment: i % 3 === 0 ? 'b2b' : 'b2c', amount: 120 + i },
  };
}

import type { OrderEvent } from '../../events';

/** The n-th test event of a bus test: order `o<n>` placed, with an event id made of n. */
export const numberedEvent = (n: number): OrderEvent => ({
  schema_version: 1,
  event_id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  order_id: `o${n}`,
  source: 'shop',
  state: 'placed',
  occurred_at: '2026-11-26T10:00:00Z',
  seq: 0,
  attributes: {},
});

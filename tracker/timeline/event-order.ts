import type { EventKey } from './types';

/**
 * Event-time order: occurred_at, then the producer's seq, then event_id, so that events with equal
 * timestamps still have one order whatever order they arrived in. The store's index on events has
 * the same key.
 */
export function compareEvents(a: EventKey, b: EventKey): number {
  return a.occurredAt - b.occurredAt || a.seq - b.seq || (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0);
}

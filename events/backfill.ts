import type { OrderEventInput } from './order-event';

/**
 * The attribute that marks an event as history, sent by a backfill (`orderscope import`, and
 * `orderscope replay --as-history`): the tracker judges an order all of whose events carry it in
 * event time, not against the wall clock (see tracker/apply). Agents never set it, and the collector takes
 * it only from a token with the admin scope: live events stay on the wall clock, whatever their delay.
 */
export const BACKFILL_ATTRIBUTE = 'orderscope.backfill';

/** Whether an event carries the backfill mark. */
export function isBackfill(event: { readonly attributes?: Readonly<Record<string, unknown>> | undefined }): boolean {
  return event.attributes?.[BACKFILL_ATTRIBUTE] === true;
}

/** The event marked as history. */
export function markBackfill<E extends OrderEventInput>(event: E): E {
  return { ...event, attributes: { ...event.attributes, [BACKFILL_ATTRIBUTE]: true } };
}

import type { OrderEventInput } from './order-event';

/**
 * The attribute that marks an event as history, sent by a backfill (`orderscope import`, and
 * `orderscope replay` for events older than {@link BACKFILL_AGE_SECONDS}): the tracker judges the
 * orders such events move in event time, not against the wall clock (see tracker/detection). Agents
 * never set it: live events stay on the wall clock, whatever their delay.
 */
export const BACKFILL_ATTRIBUTE = 'orderscope.backfill';

/** How old an event must be when replay sends it to count as history. */
export const BACKFILL_AGE_SECONDS = 3600;

/** Whether an event carries the backfill mark. */
export function isBackfill(event: { readonly attributes?: Readonly<Record<string, unknown>> | undefined }): boolean {
  return event.attributes?.[BACKFILL_ATTRIBUTE] === true;
}

/** The event marked as history. */
export function markBackfill<E extends OrderEventInput>(event: E): E {
  return { ...event, attributes: { ...event.attributes, [BACKFILL_ATTRIBUTE]: true } };
}

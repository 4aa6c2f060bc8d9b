import { BACKFILL_ATTRIBUTE, HEARTBEAT, isBackfill, isHeartbeat, validateOrderEvent, type IngestRejection, type OrderEvent } from '../../events';
import { rejectionReason, type RejectionReason } from './rejection-reason';

/** One event of a batch that was not accepted: what the 202 answer lists, and a reason for metrics. */
export interface Rejection extends IngestRejection {
  /** The bounded reason code for metrics (not sent to the client). */
  reason: RejectionReason;
}

/** A valid event whose source the presenting token may not emit. */
export interface ForbiddenEvent {
  index: number;
  source: string;
}

export interface BatchVerdict {
  /** Valid events, in batch order. */
  valid: OrderEvent[];
  /** Invalid events, in batch order. */
  rejected: Rejection[];
  /** Valid events from a source the token is not allowed for (the request is refused when any). */
  forbidden: ForbiddenEvent[];
}

/** Longest message per rejected event: an unknown field name can be as long as the body. */
const MAX_ERROR_LENGTH = 500;

/**
 * Checks every item of a batch against the contract, independently: one bad event never hides the
 * others. Heartbeats (events/heartbeat.ts) are refused: only the collector publishes them, and so are
 * events with the backfill mark (events/backfill.ts) unless `mayBackfill` (a token with the admin
 * scope). Valid events whose source `allowsSource` refuses are set apart, because emitting for a
 * foreign source is a misconfigured or stolen token, not a data error.
 *
 * `items` are the request's own, parsed from its body for this check: a valid event may be the item
 * itself (validateOrderEvent's `fresh`), so nothing may change them afterwards.
 */
export function checkBatch(items: readonly unknown[], allowsSource: (source: string) => boolean, now: Date, mayBackfill = false): BatchVerdict {
  const verdict: BatchVerdict = { valid: [], rejected: [], forbidden: [] };
  items.forEach((item, index) => {
    const result = validateOrderEvent(item, now, { fresh: true });
    if (!result.ok) {
      const eventId = usableEventId(item);
      verdict.rejected.push({
        index,
        ...(eventId !== undefined && { event_id: eventId }),
        error: result.error.length > MAX_ERROR_LENGTH ? `${result.error.slice(0, MAX_ERROR_LENGTH)}...` : result.error,
        reason: rejectionReason(result.problem),
      });
    } else if (isHeartbeat(result.event)) {
      // Only the collector itself publishes heartbeats: one posted from outside would keep a stopped
      // partition looking alive, and a token allowed every source ("*") would pass the check below.
      verdict.rejected.push({
        index,
        event_id: result.event.event_id,
        error: `order_id: "${HEARTBEAT.orderIdPrefix}…" with source "${HEARTBEAT.source}" and state "${HEARTBEAT.state}" is reserved for the collector's own heartbeats; use another order id or source`,
        reason: 'invalid_order_id',
      });
    } else if (isBackfill(result.event) && !mayBackfill) {
      // The mark puts a new order on a history clock that never pages: a backfill's (import, replay
      // --as-history), never a producer's.
      verdict.rejected.push({
        index,
        event_id: result.event.event_id,
        error: `attributes.${BACKFILL_ATTRIBUTE}: marks history (judged in event time, never paged), which only a token with the admin scope may send (orderscope import, replay --as-history); live events must not carry it`,
        reason: 'invalid_attributes',
      });
    } else if (!allowsSource(result.event.source)) {
      verdict.forbidden.push({ index, source: result.event.source });
    } else {
      verdict.valid.push(result.event);
    }
  });
  return verdict;
}

/** The event_id of an invalid item when it is a short string (never echo a megabyte back). */
function usableEventId(item: unknown): string | undefined {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) return undefined;
  const id: unknown = Object.prototype.hasOwnProperty.call(item, 'event_id') ? (item as { event_id: unknown }).event_id : undefined;
  return typeof id === 'string' && id.length > 0 && id.length <= 64 ? id : undefined;
}

import type { IngestResult, OrderEventInput } from '../../../events';
import { isRetriable } from '../../../common';
import { IngestRejectedError, RetryLaterError } from '../collector-client';

/** Where events go: the collector's `POST /v1/events` ({@link CollectorClient} in production). */
export interface EventTransport {
  /** One attempt (no retries of its own): resolves with the 202 answer, throws for anything else. */
  post(events: readonly OrderEventInput[], options?: { signal?: AbortSignal }): Promise<IngestResult>;
}

/**
 * Posts `events` and settles what can be settled now:
 *
 * - 202: the answer as is (valid events accepted, each invalid one listed);
 * - 413 (too large for this collector's limits): the batch is split in halves and each half posted,
 *   down to single events; a single event that is still too large is rejected;
 * - 400 and 415 (the collector cannot read the request; no retry can fix it): every event is rejected
 *   with the collector's message.
 *
 * Throws what is worth trying again later, with the same events: network errors, 429 and 5xx
 * ({@link isDeliveryRetriable}), and 401/403, which are a token problem that an operator fixes, not
 * bad events, so the events are kept rather than dropped.
 */
export async function postBatch(transport: EventTransport, events: readonly OrderEventInput[], signal?: AbortSignal): Promise<IngestResult> {
  try {
    return await transport.post(events, { signal });
  } catch (err) {
    if (!(err instanceof IngestRejectedError) || isAuthRefusal(err)) throw err;
    if (err.status === 413 && events.length > 1) {
      const half = Math.ceil(events.length / 2);
      const first = await postBatch(transport, events.slice(0, half), signal);
      const second = await postBatch(transport, events.slice(half), signal);
      return {
        accepted: first.accepted + second.accepted,
        rejected: [...first.rejected, ...second.rejected.map((r) => ({ ...r, index: r.index + half }))],
      };
    }
    return {
      accepted: 0,
      rejected: events.map((event, index) => ({ index, ...(typeof event.event_id === 'string' && { event_id: event.event_id }), error: err.message })),
    };
  }
}

/** True for failures after which the same events should be posted again later. */
export function isDeliveryRetriable(err: unknown): boolean {
  return isRetriable(err) || isAuthRefusal(err);
}

/**
 * How long to wait before the next attempt, when the failure says so: the collector's Retry-After,
 * or `authRetryMs` after a 401/403 (retrying sooner cannot help until someone fixes the token).
 * Undefined means "use the usual backoff".
 */
export function retryDelayHint(err: unknown, authRetryMs: number): number | undefined {
  if (err instanceof RetryLaterError) return err.retryAfterMs;
  if (isAuthRefusal(err)) return authRetryMs;
  return undefined;
}

/** A 401 or 403: the token is missing, wrong, or not allowed to emit for this source. */
export function isAuthRefusal(err: unknown): boolean {
  return err instanceof IngestRejectedError && (err.status === 401 || err.status === 403);
}

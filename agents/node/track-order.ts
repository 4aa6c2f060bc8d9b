import { randomUUID } from 'node:crypto';
import { trace } from '@opentelemetry/api';
import { ORDER_EVENT_SCHEMA_VERSION, plainlyValidCallerFields, validateOrderEvent, type AttributeValue, type OrderEventInput, ORDER_ID_ATTRIBUTE } from '../../events';
import { describeError } from '../../common';
import type { AgentMetrics, EventSender, ThrottledWarning } from '../shared';
import { sampledTraceIds } from './trace-context';

/** Extra facts about an order (segment, operator, amount): at most 32, names up to 64 characters, values up to 1 KiB. */
export type OrderAttributes = Record<string, AttributeValue>;

/** What the caller may fix about an event instead of letting trackOrder choose it. */
export interface TrackOrderOptions {
  /**
   * The event's idempotency key (a UUID), e.g. derived from the host's own record of the change: an
   * event tracked again after a crash, with the same id, counts once. Default: a fresh random UUID.
   */
  readonly eventId?: string;
  /** When the order entered the state, e.g. the commit time of the host's transaction. Default: now. */
  readonly occurredAt?: Date;
}

/**
 * Records that order `orderId` entered `state` now (or at `options.occurredAt`). Never throws and
 * never waits: the event is queued in memory and sent in the background; `Agent.flush()` waits
 * until it is durable.
 *
 * @returns the event_id of the event, or undefined when it was dropped (invalid arguments, or the
 * agent could not queue it; both are logged and counted in `orderscope_agent_dropped_total`).
 */
export type TrackOrder = (orderId: string, state: string, attributes?: OrderAttributes, options?: TrackOrderOptions) => string | undefined;

export interface TrackOrderDeps {
  /** The `source` of every event (the emitting system, e.g. shop). */
  source: string;
  sender: Pick<EventSender, 'enqueue'>;
  metrics: Pick<AgentMetrics, 'eventsTracked' | 'dropped'>;
  warnings: ThrottledWarning;
  now?: () => Date;
}

/**
 * Builds trackOrder: each call makes one order event (a fresh event_id, occurred_at = now, seq from
 * a per-process counter, the active span's trace and span ids when it is sampled), checks it against
 * the event contract, tags the active span with `order.id` and `order.state` (so traces can be
 * searched by order id) and queues it.
 */
export function createTrackOrder(deps: TrackOrderDeps): TrackOrder {
  const now = deps.now ?? (() => new Date());
  // Orders events with the same occurred_at (same millisecond) in the order they were tracked.
  let seq = 0;
  return (orderId, state, attributes, options) => {
    try {
      const span = trace.getActiveSpan();
      const at = options?.occurredAt ?? now();
      const input: OrderEventInput = {
        schema_version: ORDER_EVENT_SCHEMA_VERSION,
        event_id: options?.eventId ?? randomUUID(),
        order_id: orderId,
        source: deps.source,
        state,
        occurred_at: at.toISOString(),
        seq: seq++,
        ...sampledTraceIds(span),
        attributes: attributes ?? {},
      };
      const verdict = options ? validateOrderEvent(input, now()) : callerFieldsCheck(input, at);
      if (!verdict.ok) return invalid(deps, orderId, state, verdict.error);
      span?.setAttributes({ [ORDER_ID_ATTRIBUTE]: orderId, 'order.state': state });
      return deps.sender.enqueue(verdict.event) ? verdict.event.event_id : undefined;
    } catch (err) {
      return invalid(deps, orderId, state, describeError(err));
    }
  };
}

/**
 * Checks an event against the contract, made for the call on every request. Only order_id, state and
 * attributes come from the caller; the rest is made here and valid by construction, so those three
 * are read by the contract's plain reading of them. The whole event is checked only when one of them
 * fails, for the contract's own message. Attributes are queued as the validated copy: a caller
 * changing its attributes object afterwards changes nothing.
 */
function callerFieldsCheck(input: OrderEventInput, at: Date): { ok: true; event: OrderEventInput } | { ok: false; error: string } {
  const attributes = plainlyValidCallerFields(input.order_id, input.state, input.attributes);
  return attributes ? { ok: true, event: { ...input, attributes } } : validateOrderEvent(input, at);
}

function invalid(deps: TrackOrderDeps, orderId: unknown, state: unknown, error: string): undefined {
  deps.metrics.eventsTracked.inc();
  deps.metrics.dropped.inc({ reason: 'invalid' });
  deps.warnings.warn('invalid', { order_id: String(orderId).slice(0, 128), state: String(state).slice(0, 64), error }, 'trackOrder was called with arguments that make no valid order event; the event is dropped');
  return undefined;
}

import { isSpanContextValid, trace, TraceFlags, type Attributes, type Span } from '@opentelemetry/api';
import { ORDER_ID_ATTRIBUTE } from '../../events';
import type { TraceIds } from '../shared';

/**
 * The ids of `span` when a trace backend will have it: valid and sampled. An order event links to
 * its trace by these ids, and a link to a trace that was never recorded would lead nowhere.
 */
export function sampledTraceIds(span: Span | undefined): TraceIds | undefined {
  const context = span?.spanContext();
  if (!context || !isSpanContextValid(context) || (context.traceFlags & TraceFlags.SAMPLED) === 0) return undefined;
  return { trace_id: context.traceId, span_id: context.spanId };
}

/** What every log line carries, where known: the active span's ids and the order it works on. */
export interface LogContext extends TraceIds {
  order_id: string;
}

/**
 * A pino mixin that adds the active span's trace_id and span_id to every log line, so that the
 * lines of one request can be found from its trace and the other way round, and its order id (the
 * span's `order.id`, which trackOrder and the services' own spans set) so that a Loki query by
 * order finds them. Unsampled spans keep their ids too: the lines of one request still share a
 * trace_id. A line's own order_id field, when it has one, wins over the span's.
 */
export function traceContextMixin(): Partial<LogContext> {
  const span = trace.getActiveSpan();
  const context = span?.spanContext();
  if (!context || !isSpanContextValid(context)) return {};
  const orderId = orderIdOf(span);
  return { trace_id: context.traceId, span_id: context.spanId, ...(orderId !== undefined && { order_id: orderId }) };
}

/**
 * The span's `order.id`. The API's Span has no getter for attributes; the SDK's spans (what a
 * running agent creates) are ReadableSpans that hold them, a no-op span holds none.
 */
function orderIdOf(span: Span | undefined): string | undefined {
  const value = (span as { attributes?: Attributes } | undefined)?.attributes?.[ORDER_ID_ATTRIBUTE];
  return typeof value === 'string' ? value : undefined;
}

import { isSpanContextValid, trace, TraceFlags, type Span } from '@opentelemetry/api';

/** W3C ids of a span, in the names the order event and the log lines use. */
export interface TraceIds {
  trace_id: string;
  span_id: string;
}

/**
 * The ids of `span` when a trace backend will have it: valid and sampled. An order event links to
 * its trace by these ids, and a link to a trace that was never recorded would lead nowhere.
 */
export function sampledTraceIds(span: Span | undefined): TraceIds | undefined {
  const context = span?.spanContext();
  if (!context || !isSpanContextValid(context) || (context.traceFlags & TraceFlags.SAMPLED) === 0) return undefined;
  return { trace_id: context.traceId, span_id: context.spanId };
}

/**
 * A pino mixin that adds the active span's trace_id and span_id to every log line, so that the
 * lines of one request can be found from its trace and the other way round. Unsampled spans keep
 * their ids too: the lines of one request still share a trace_id.
 */
export function traceContextMixin(): Partial<TraceIds> {
  const context = trace.getActiveSpan()?.spanContext();
  if (!context || !isSpanContextValid(context)) return {};
  return { trace_id: context.traceId, span_id: context.spanId };
}

import { context, propagation, ROOT_CONTEXT, SpanStatusCode, trace, type Attributes, type Span } from '@opentelemetry/api';

/** W3C trace context headers (`traceparent`, `tracestate`): how a trace is stored with work that goes on later. */
export type TraceCarrier = Record<string, string>;

const tracer = trace.getTracer('orderscope-pipeline');

/** The active trace context as headers, to store in a row that another process or a timer picks up later. */
export function currentTraceCarrier(): TraceCarrier {
  const carrier: TraceCarrier = {};
  propagation.inject(context.active(), carrier);
  return carrier;
}

/**
 * Runs `fn` in a new span. Its parent is the stored context when there is one, so that work picked
 * up from a table (an outbox row, a pending order) continues the order's trace instead of starting
 * an unrelated one; otherwise the active context. Errors mark the span and are rethrown.
 */
export async function inSpan<T>(name: string, attributes: Attributes, fn: (span: Span) => Promise<T>, stored?: TraceCarrier): Promise<T> {
  const parent = stored && Object.keys(stored).length > 0 ? propagation.extract(ROOT_CONTEXT, stored) : context.active();
  return tracer.startActiveSpan(name, { attributes }, parent, async (span) => {
    try {
      return await fn(span);
    } catch (err) {
      span.recordException(err as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
      throw err;
    } finally {
      span.end();
    }
  });
}

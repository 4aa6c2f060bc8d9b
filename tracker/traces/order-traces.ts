import type { EventDetail } from '../store';
import { formatEventTime } from '../timeline';
import type { TraceBackend } from './trace-backend';

/**
 * The JSON of `GET /v1/orders/{order_id}/traces`: the traces an order's events were reported in, in
 * the order of their first event, each with its link and the events (state, source, span) it holds,
 * and the backend's search for every trace of the order (`search_url`), which also finds spans that
 * sent no order event (a retry, a cache lookup). Events without a trace id are listed apart: a source
 * without tracing (a database trigger) reports none.
 */
export function orderTracesView(orderId: string, events: readonly EventDetail[], backend: TraceBackend) {
  const traces = new Map<string, EventDetail[]>();
  for (const e of events) {
    if (e.traceId === null) continue;
    const held = traces.get(e.traceId);
    if (held) held.push(e);
    else traces.set(e.traceId, [e]);
  }
  const eventView = (e: EventDetail) => ({ event_id: e.eventId, state: e.state, source: e.source, occurred_at: formatEventTime(e.occurredAt), span_id: e.spanId });
  return {
    order_id: orderId,
    backend: backend.kind,
    search_url: backend.searchUrl(orderId),
    traces: [...traces].map(([traceId, held]) => ({ trace_id: traceId, trace_url: backend.traceUrl(traceId, held[0]!.spanId), events: held.map(eventView) })),
    events_without_trace: events.filter((e) => e.traceId === null).map(eventView),
  };
}

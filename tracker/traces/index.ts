/** Links from the tracker's orders and events to a trace backend (Zipkin, Jaeger, Tempo). */
export { tempoOrderQuery, traceBackend } from './trace-backend';
export type { TraceBackend, TraceBackendKind } from './trace-backend';
export { orderTracesView } from './order-traces';

/** Links from the tracker's orders and events to a trace backend (Zipkin, Jaeger, Tempo). */
export { ORDER_ID_ATTRIBUTE, tempoOrderQuery, traceBackend } from './trace-backend';
export type { TraceBackend, TraceBackendKind } from './trace-backend';
export { orderTracesView } from './order-traces';

/**
 * The span attribute that names the order a span works on. The agents set it (trackOrder, the
 * pipeline's own spans), the tracker's trace-search links query it (Zipkin's annotationQuery, Tempo's
 * TraceQL, Jaeger's tags), and log lines carry it as order_id: one name for all three.
 */
export const ORDER_ID_ATTRIBUTE = 'order.id';

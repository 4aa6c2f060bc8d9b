/**
 * W3C ids of a span, in the names the order event and the log lines use. The SDK takes them from
 * its active span, the AMQP tap from a message's traceparent header.
 */
export interface TraceIds {
  trace_id: string;
  span_id: string;
}

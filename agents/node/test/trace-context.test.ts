import { context, trace } from '@opentelemetry/api';
import { node } from '@opentelemetry/sdk-node';
import { traceContextMixin } from '../trace-context';

/*
 * What a log line of an instrumented service carries: the active span's ids and the order the span
 * works on, from the spans of OpenTelemetry's own Node SDK (the tracer a running agent has).
 */
const provider = new node.NodeTracerProvider();
provider.register();
const tracer = trace.getTracer('trace-context-test');

afterAll(async () => {
  await provider.shutdown();
  trace.disable();
  context.disable();
});

describe('the fields of every log line', () => {
  it('adds trace_id, span_id and the span order.id as order_id', () => {
    tracer.startActiveSpan('price part', { attributes: { 'order.id': 'SO-7' } }, (span) => {
      expect(traceContextMixin()).toEqual({ trace_id: span.spanContext().traceId, span_id: span.spanContext().spanId, order_id: 'SO-7' });
      span.end();
    });
  });

  it('takes the order id that trackOrder sets on the span later', () => {
    tracer.startActiveSpan('POST /orders', (span) => {
      expect(traceContextMixin()).not.toHaveProperty('order_id');
      span.setAttribute('order.id', 'SO-8');
      expect(traceContextMixin()).toMatchObject({ order_id: 'SO-8', span_id: span.spanContext().spanId });
      span.end();
    });
  });

  it('adds nothing outside a span', () => {
    expect(traceContextMixin()).toEqual({});
  });
});

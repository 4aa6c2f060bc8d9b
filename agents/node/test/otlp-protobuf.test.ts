import { SpanKind, SpanStatusCode, TraceFlags, type Attributes, type HrTime } from '@opentelemetry/api';
import { TraceState } from '@opentelemetry/core';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { encodeTraceRequest } from '../otlp-protobuf';

/** What OpenTelemetry's own serializer writes for `spans`: the encoding must be the same, byte for byte. */
const theirs = (spans: ReadableSpan[]) => Buffer.from(ProtobufTraceSerializer.serializeRequest(spans)!);
const ours = (spans: ReadableSpan[]) => Buffer.from(encodeTraceRequest(spans));

const STATEMENT = `INSERT INTO orders (order_id, idempotency_key, customer_id, segment, part, quantity, state) VALUES ($1, $2, $3, $4, $5, $6, 'placed')
     ON CONFLICT (idempotency_key) DO NOTHING`;

/** Spans made by OpenTelemetry's SDK, as the agent's exporter gets them. */
function sdkSpans(): ReadableSpan[] {
  const exporter = new InMemorySpanExporter();
  // The SDK's default resource (service.name, telemetry.sdk.*); another resource is made below.
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const pg = provider.getTracer('orderscope-agent-pg', '0.1.0');
  const http = provider.getTracer('orderscope-agent-http');
  // Fixed instants: the encoding of an HrTime is what is compared, whatever today is.
  const at = (seconds: number, nanos: number): HrTime => [seconds, nanos];
  const request = http.startSpan('POST /orders', { kind: SpanKind.SERVER, startTime: at(1_767_225_600, 123_456_789), attributes: { 'http.route': '/orders', 'order.id': 'SO-1' } });
  request.addEvent('exception', { 'exception.type': 'Error', 'exception.message': 'naïve café ☕' }, at(1_767_225_600, 999_999_999));
  request.setStatus({ code: SpanStatusCode.ERROR, message: 'failed: 23505' });
  request.end(at(1_767_225_601, 5));
  for (const [operation, text] of [
    ['INSERT', STATEMENT],
    ['SELECT', 'SELECT 1'],
  ]) {
    const statement = pg.startSpan(`pg.query:${operation} shop`, {
      kind: SpanKind.CLIENT,
      startTime: at(4_102_444_800, 0),
      attributes: { 'db.system.name': 'postgresql', 'db.namespace': 'shop', 'server.address': '127.0.0.1', 'server.port': 5432, 'db.operation.name': operation, 'db.query.text': text },
    });
    statement.end(at(4_102_444_800, 1));
  }
  const kinds = http.startSpan('internal', { kind: SpanKind.INTERNAL, startTime: at(0, 0) });
  kinds.setAttributes({
    // Every length a string's length prefix can take (1, 2 and 3 bytes) and where the fast path ends.
    short: 'x'.repeat(42),
    'just past': 'x'.repeat(43),
    'two-byte length': 'y'.repeat(200),
    'three-byte length': 'z'.repeat(20_000),
    'wide and short': '€'.repeat(42),
    'wide, just past': '€'.repeat(43),
    emoji: '📦 order 🚚',
    'lone surrogate': 'a\ud800b',
    empty: '',
    yes: true,
    no: false,
    zero: 0,
    small: 7,
    'past 32 bits': 2 ** 40 + 3,
    'past 53 bits': 2 ** 60,
    negative: -5,
    'very negative': -(2 ** 40),
    fraction: 0.125,
    'not a number': Number.NaN,
    infinite: Number.POSITIVE_INFINITY,
    'too big for int64': 2 ** 64,
    strings: ['a', 'b'],
    numbers: [1, 2.5, -3],
    booleans: [true, false],
    'with gaps': ['a', null, 'b'],
  });
  kinds.addLink({ context: { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.SAMPLED, isRemote: true, traceState: new TraceState('vendor=value') }, attributes: { link: 'yes' } });
  kinds.end(at(0, 1));
  return exporter.getFinishedSpans();
}

describe('the OTLP protobuf encoding of spans', () => {
  it("is OpenTelemetry's own, byte for byte, for spans the SDK made", () => {
    const spans = sdkSpans();
    expect(spans).toHaveLength(4);
    expect(ours(spans).equals(theirs(spans))).toBe(true);
  });

  it('is the same for a remote parent, a trace state, a scope with attributes, nested values and several resources', () => {
    const [base] = sdkSpans();
    const otherResource = { ...base!.resource, attributes: { 'service.name': 'crm', 'process.pid': 4242, 'process.command_args': ['node', 'crm.js'] }, schemaUrl: 'https://opentelemetry.io/schemas/1.30.0' } as ReadableSpan['resource'];
    const scope = { name: 'orderscope-agent-amqplib', version: '1.2.3', schemaUrl: 'https://example.test/schema', attributes: { 'scope.kind': 'messaging' } };
    const context = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: TraceFlags.SAMPLED, traceState: new TraceState('congo=t61rcWkgMzE,rojo=00f067aa0ba902b7') };
    const consume: ReadableSpan = {
      ...base!,
      name: 'mes.pricing process',
      kind: SpanKind.CONSUMER,
      spanContext: () => context,
      parentSpanContext: { traceId: context.traceId, spanId: 'a3ce929d0e0e4736', traceFlags: TraceFlags.SAMPLED, isRemote: true },
      resource: otherResource,
      instrumentationScope: scope,
      attributes: { nested: { order: { id: 'SO-1', quantity: 3 }, parts: ['P-1', 'P-2'] }, bytes: new Uint8Array([0, 1, 254, 255]) } as unknown as Attributes,
      droppedAttributesCount: 2,
      droppedEventsCount: 1,
      droppedLinksCount: 3,
      events: [{ name: 'retry', time: [1_767_225_600, 1], attributes: { attempt: 2 }, droppedAttributesCount: 1 }],
      links: [{ context: { ...context, isRemote: false }, attributes: {}, droppedAttributesCount: 4 }],
      status: { code: SpanStatusCode.OK },
    };
    // Spans of two resources and two scopes, interleaved: grouped in first-seen order by both. (A
    // spread span keeps its fields but not its class's spanContext(), which is given again.)
    const again: ReadableSpan = { ...base!, spanContext: () => base!.spanContext(), name: 'second of the first' };
    const spans = [base!, consume, again, { ...consume, name: 'second of the consumer' }];
    expect(ours(spans).equals(theirs(spans))).toBe(true);
  });

  it('is the same for ids that are not hex, spans without a kind, and names that are not strings', () => {
    const exporter = new InMemorySpanExporter();
    const tracer = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }).getTracer('t');
    // The SDK checks a span's own ids but not a link's: these must not cut the field short.
    const links = [
      { context: { traceId: 'SO-1', spanId: 'x', traceFlags: TraceFlags.SAMPLED } },
      { context: { traceId: 'zz'.repeat(16), spanId: 'ABCDEF0123456789', traceFlags: TraceFlags.NONE } },
      { context: { traceId: '0af7651916cd43dd8448eb211c80319', spanId: '', traceFlags: TraceFlags.NONE } },
    ];
    tracer.startSpan('links', { links, startTime: [0, 0] }).end([0, 1]);
    // A JavaScript caller may name a span with a number: OpenTelemetry writes an empty name.
    tracer.startSpan(42 as unknown as string, { startTime: [0, 0] }).end([0, 1]);
    const [made] = exporter.getFinishedSpans();
    const kindless = { ...made!, spanContext: () => made!.spanContext(), kind: undefined } as unknown as ReadableSpan;
    const spans = [...exporter.getFinishedSpans(), kindless];
    expect(ours(spans).equals(theirs(spans))).toBe(true);
  });

  it('encodes an empty batch as an empty request, and a batch larger than its first buffer', () => {
    expect(ours([]).length).toBe(0);
    expect(ours([]).equals(theirs([]))).toBe(true);
    const spans = sdkSpans();
    // About 20 KB a batch of four: the small batches above leave the next buffer at a few KiB, which
    // 40 of them outgrow several times over.
    const many = Array.from({ length: 40 }, () => spans).flat();
    expect(ours(many).equals(theirs(many))).toBe(true);
  });
});

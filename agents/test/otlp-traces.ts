import protobuf from 'protobufjs';

/** A span as an OTLP trace export carries it, whichever encoding: ids in hex, attributes by key. */
export interface OtlpSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly name: string;
  readonly attributes: Readonly<Record<string, string | number | boolean>>;
}

// The part of OpenTelemetry's trace service schema (opentelemetry/proto/collector/trace/v1 and the
// messages it uses, field numbers as there) that the tests read; protobuf skips the other fields.
const TRACE_SERVICE = protobuf.parse(`
  syntax = "proto3";
  message ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
  message ResourceSpans { repeated ScopeSpans scope_spans = 2; }
  message ScopeSpans { repeated Span spans = 2; }
  message Span { bytes trace_id = 1; bytes span_id = 2; string name = 5; repeated KeyValue attributes = 9; }
  message KeyValue { string key = 1; AnyValue value = 2; }
  message AnyValue { oneof value { string string_value = 1; bool bool_value = 2; int64 int_value = 3; double double_value = 4; } }
`).root.lookupType('ExportTraceServiceRequest');

interface JsonValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: number | string;
  doubleValue?: number;
}
/** An export as OTLP JSON writes it, or as protobuf decodes it (ids as bytes there, field names alike). */
interface Export {
  resourceSpans?: { scopeSpans?: { spans?: { traceId: string | Uint8Array; spanId: string | Uint8Array; name: string; attributes?: { key: string; value: JsonValue }[] }[] }[] }[];
}

/**
 * The spans of one OTLP/HTTP trace export, as a local OpenTelemetry Collector would read them:
 * `application/x-protobuf` (OpenTelemetry's default encoding) or `application/json`.
 */
export function decodeOtlpTraces(body: Buffer, contentType: string | undefined): OtlpSpan[] {
  const decoded: Export = contentType?.startsWith('application/json')
    ? (JSON.parse(body.toString('utf8')) as Export)
    : (TRACE_SERVICE.toObject(TRACE_SERVICE.decode(body), { longs: Number }) as Export);
  return (decoded.resourceSpans ?? []).flatMap((r) =>
    (r.scopeSpans ?? []).flatMap((s) =>
      (s.spans ?? []).map((span) => ({
        traceId: hexOf(span.traceId),
        spanId: hexOf(span.spanId),
        name: span.name,
        attributes: Object.fromEntries((span.attributes ?? []).map((a) => [a.key, valueOf(a.value)])),
      })),
    ),
  );
}

// OTLP JSON writes ids in hex; protobuf carries their bytes.
function hexOf(id: string | Uint8Array): string {
  return typeof id === 'string' ? id : Buffer.from(id).toString('hex');
}

function valueOf(value: JsonValue | undefined): string | number | boolean {
  return value?.stringValue ?? value?.boolValue ?? (value?.intValue === undefined ? (value?.doubleValue ?? '') : Number(value.intValue));
}

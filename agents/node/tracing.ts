import { NodeSDK } from '@opentelemetry/sdk-node';
import { OTLPTraceExporter as OtlpJsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPExporterBase } from '@opentelemetry/otlp-exporter-base';
import { convertLegacyHttpOptions, createOtlpHttpExportDelegate } from '@opentelemetry/otlp-exporter-base/node-http';
import { ProtobufTraceSerializer, TraceExporterMetricsHelper } from '@opentelemetry/otlp-transformer';
import { ZipkinExporter } from '@opentelemetry/exporter-zipkin';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import { BatchSpanProcessor, NoopSpanProcessor, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { AmqplibInstrumentation } from '@opentelemetry/instrumentation-amqplib';
import { KafkaJsInstrumentation } from '@opentelemetry/instrumentation-kafkajs';
import { encodeTraceRequest } from './otlp-protobuf';
import { PgSpanInstrumentation } from './pg-spans';
import { ServerSpanInstrumentation } from './server-spans';
import type { InstrumentationName } from './agent-options';

export interface TracingOptions {
  serviceName: string;
  /** Where spans go: over OTLP/HTTP to `endpoint` (Tempo, Jaeger), or to Zipkin at `zipkinEndpoint`. */
  exporter: 'otlp' | 'zipkin';
  /** OTLP/HTTP's encoding of the spans. */
  protocol: 'http/protobuf' | 'http/json';
  /** OTLP/HTTP traces endpoint, e.g. http://127.0.0.1:4318/v1/traces */
  endpoint: string;
  /** Zipkin's v2 span endpoint, e.g. http://127.0.0.1:9411/api/v2/spans */
  zipkinEndpoint: string;
  /** false: spans are still created (their ids reach logs and events) but sent nowhere. */
  export: boolean;
  /** Incoming requests to these paths get no span (health checks and scrapes would drown real traffic). */
  ignorePaths: readonly string[];
  /** true: pg's BEGIN, COMMIT and ROLLBACK get spans too (see isTransactionStatement in pg-spans.ts for why not by default). */
  transactionSpans: boolean;
  /** The instrumentations that run (see agent-options.ts for why a service may leave one out). */
  instrumentations: readonly InstrumentationName[];
}

/** Makes each instrumentation of the agent, as the tracing options ask. */
const INSTRUMENTATIONS: Record<InstrumentationName, (options: TracingOptions) => Instrumentation[]> = {
  // The server span of each request is the agent's own (see server-spans.ts for why); OpenTelemetry's
  // http instrumentation makes the spans of the requests this process sends.
  http: ({ ignorePaths }) => [new ServerSpanInstrumentation({ ignorePaths }), new HttpInstrumentation({ disableIncomingRequestInstrumentation: true })],
  // No express instrumentation: its spans (one per middleware and route handler) cost more per
  // request than the request's own span and tell little more, and the route it gives the request's
  // span is express's own req.route, which the server span reads at the end of the request.

  // The statements' spans are the agent's own too (see pg-spans.ts for why).
  pg: ({ transactionSpans }) => [new PgSpanInstrumentation({ transactionStatements: transactionSpans })],
  amqplib: () => [new AmqplibInstrumentation()],
  kafkajs: () => [new KafkaJsInstrumentation()],
};

/**
 * Starts OpenTelemetry tracing: a NodeSDK with the OTLP/HTTP (protobuf or JSON) or the Zipkin exporter and those of the instrumentations of
 * http (a server span named by its express route), pg (a span per statement in a traced unit of work,
 * none for the statements that only delimit a transaction unless asked), amqplib and kafkajs that `options.instrumentations` names.
 *
 * Instrumentations patch a module when it is required, so this must run before the host requires
 * any of them; a module required earlier stays uninstrumented.
 */
export function startTracing(options: TracingOptions): NodeSDK {
  const sdk = new NodeSDK({
    serviceName: options.serviceName,
    // No sampler: NodeSDK makes the one OpenTelemetry's variables ask for (OTEL_TRACES_SAMPLER).
    spanProcessors: [options.export ? new BatchSpanProcessor(exporterOf(options)) : new NoopSpanProcessor()],
    // Metrics are prom-client's, on the agent's own registry, and logs are pino's: without these empty
    // lists NodeSDK would start OTLP metric and log exporters of its own.
    metricReaders: [],
    logRecordProcessors: [],
    // Each once, however often the list names it (a second http instrumentation would wrap the first).
    instrumentations: [...new Set(options.instrumentations)].flatMap((name) => INSTRUMENTATIONS[name](options)),
  });
  sdk.start();
  return sdk;
}

/**
 * OpenTelemetry's exporters: Zipkin gets the spans' attributes (order.id) as tags, which its search
 * queries. OTLP over protobuf is OpenTelemetry's exporter too (its HTTP transport, retries and
 * configuration from OTEL_EXPORTER_OTLP_* variables), as exporter-trace-otlp-proto builds it, with the
 * agent's own encoder of the spans (otlp-protobuf.ts says why).
 */
function exporterOf(options: TracingOptions): SpanExporter {
  if (options.exporter === 'zipkin') return new ZipkinExporter({ url: options.zipkinEndpoint, serviceName: options.serviceName });
  if (options.protocol === 'http/json') return new OtlpJsonExporter({ url: options.endpoint });
  const serializer = { serializeRequest: encodeTraceRequest, deserializeResponse: ProtobufTraceSerializer.deserializeResponse };
  const delegate = createOtlpHttpExportDelegate(
    convertLegacyHttpOptions({ url: options.endpoint }, 'TRACES', 'v1/traces', { 'Content-Type': 'application/x-protobuf' }),
    serializer,
    OTLP_SPAN_EXPORTER,
    TraceExporterMetricsHelper,
    undefined,
  );
  return new OTLPExporterBase<ReadableSpan[]>(delegate);
}

/** The component type exporter-trace-otlp-proto gives its exporter's own metrics (otel.sdk.exporter.*). */
const OTLP_SPAN_EXPORTER = 'otlp_http_span_exporter';

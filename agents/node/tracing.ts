import type { IncomingMessage } from 'node:http';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { ZipkinExporter } from '@opentelemetry/exporter-zipkin';
import { BatchSpanProcessor, NoopSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { ExpressInstrumentation } from '@opentelemetry/instrumentation-express';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { AmqplibInstrumentation } from '@opentelemetry/instrumentation-amqplib';
import { KafkaJsInstrumentation } from '@opentelemetry/instrumentation-kafkajs';
import { HTTP_METRICS_MIDDLEWARE_NAME } from './http-metrics';

export interface TracingOptions {
  serviceName: string;
  /** Where spans go: over OTLP/HTTP to `endpoint` (Tempo, Jaeger), or to Zipkin at `zipkinEndpoint`. */
  exporter: 'otlp' | 'zipkin';
  /** OTLP/HTTP traces endpoint, e.g. http://127.0.0.1:4318/v1/traces */
  endpoint: string;
  /** Zipkin's v2 span endpoint, e.g. http://127.0.0.1:9411/api/v2/spans */
  zipkinEndpoint: string;
  /** false: spans are still created (their ids reach logs and events) but sent nowhere. */
  export: boolean;
  /** Incoming requests to these paths get no span (health checks and scrapes would drown real traffic). */
  ignorePaths: readonly string[];
}

/**
 * Starts OpenTelemetry tracing: a NodeSDK with the OTLP/HTTP or the Zipkin exporter and the instrumentations of
 * http, express, pg, amqplib and kafkajs.
 *
 * Instrumentations patch a module when it is required, so this must run before the host requires
 * any of them; a module required earlier stays uninstrumented.
 */
export function startTracing(options: TracingOptions): NodeSDK {
  const ignored = new Set(options.ignorePaths);
  const sdk = new NodeSDK({
    serviceName: options.serviceName,
    spanProcessors: [options.export ? new BatchSpanProcessor(exporterOf(options)) : new NoopSpanProcessor()],
    // Metrics are prom-client's, on the agent's own registry, and logs are pino's: without these empty
    // lists NodeSDK would start OTLP metric and log exporters of its own.
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [
      new HttpInstrumentation({ ignoreIncomingRequestHook: (req: IncomingMessage) => ignored.has(pathOf(req.url)) }),
      // The agent's own RED middleware would add a span to every request that says nothing.
      new ExpressInstrumentation({ ignoreLayers: [`middleware - ${HTTP_METRICS_MIDDLEWARE_NAME}`] }),
      new PgInstrumentation(),
      new AmqplibInstrumentation(),
      new KafkaJsInstrumentation(),
    ],
  });
  sdk.start();
  return sdk;
}

/** Both are OpenTelemetry's own exporters: Zipkin gets the spans' attributes (order.id) as tags, which its search queries. */
function exporterOf(options: TracingOptions): SpanExporter {
  return options.exporter === 'zipkin' ? new ZipkinExporter({ url: options.zipkinEndpoint, serviceName: options.serviceName }) : new OTLPTraceExporter({ url: options.endpoint });
}

function pathOf(url: string | undefined): string {
  const end = url?.indexOf('?') ?? -1;
  return end >= 0 ? url!.slice(0, end) : (url ?? '');
}

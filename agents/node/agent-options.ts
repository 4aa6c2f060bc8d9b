import path from 'node:path';
import { z } from 'zod';
import type { DestinationStream } from 'pino';
import { orderEventShape } from '../../events';
import { ConfigError, splitList } from '../../common';

const MIB = 1_048_576;

/**
 * The OpenTelemetry instrumentations the agent has, by OpenTelemetry's names for them (the package
 * name without `@opentelemetry/instrumentation-`, as OTEL_NODE_ENABLED_INSTRUMENTATIONS takes them).
 */
export const AGENT_INSTRUMENTATIONS = ['http', 'pg', 'amqplib', 'kafkajs'] as const;
export type InstrumentationName = (typeof AGENT_INSTRUMENTATIONS)[number];

const positiveInt = z.number().int().positive();
const url = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL, e.g. http://127.0.0.1:7400' });

/** The agent's options with their defaults; {@link parseAgentOptions} validates them. */
export const agentOptionsSchema = z.strictObject({
  /** The service name of traces (OTel `service.name`) and of log lines, e.g. `shop-web`. */
  service: z.string().min(1, { error: 'must not be empty (the name of the service, e.g. shop)' }),
  /** The `source` of order events (the emitting system: shop, crm, mes); default: `service`. */
  source: orderEventShape.shape.source.optional(),
  /** The collector's base URL. */
  collectorUrl: url,
  /** An ingest token allowed to emit for `source`. */
  token: z.string().min(1, { error: 'must not be empty (an ingest token of the collector)' }),
  /** Where events wait while the collector is unreachable; default `.orderscope/spool/<source>` under the working directory. */
  spoolDir: z.string().min(1).optional(),
  /** Size cap of the spool; events beyond it are dropped and counted. Default 256 MiB. */
  spoolMaxBytes: positiveInt.default(256 * MIB),
  /** Events held in memory at most. Default 10 000. */
  bufferSize: positiveInt.default(10_000),
  /** Events per request to the collector (it takes up to 1000 by default). Default 500. */
  batchSize: positiveInt.max(1000, { error: 'must be at most 1000 (what the collector takes per request by default)' }).default(500),
  /** How long a partial batch waits for more events. Default 200 ms. */
  lingerMs: z.number().int().min(0).default(200),
  /** Requests in flight at once. Default 2. */
  maxInFlight: positiveInt.default(2),
  /** Timeout of one request to the collector. Default 10 s. */
  requestTimeoutMs: positiveInt.default(10_000),
  /** First and longest backoff between deliveries of spooled events. Defaults 500 ms and 30 s. */
  retryMinDelayMs: positiveInt.default(500),
  retryMaxDelayMs: positiveInt.default(30_000),
  /** How long shutdown() may take to deliver what is buffered and spooled. Default 5 s. */
  shutdownTimeoutMs: z.number().int().min(0).default(5000),
  tracing: z
    .strictObject({
      /**
       * Where spans go: otlp (OTLP/HTTP, for Tempo or Jaeger) or zipkin (Zipkin's v2 JSON API). Default
       * $OTEL_TRACES_EXPORTER (OpenTelemetry's own variable), else otlp; any other value there is refused.
       */
      exporter: z.enum(['otlp', 'zipkin'], { error: 'must be otlp or zipkin (or OTEL_TRACES_EXPORTER=none, which turns span export off)' }).prefault(exporterFromEnvironment),
      /**
       * How OTLP/HTTP encodes the spans: http/protobuf (OpenTelemetry's default; it costs the agent about a
       * third of JSON's CPU per span and half its bytes) or http/json. Default
       * $OTEL_EXPORTER_OTLP_TRACES_PROTOCOL, else $OTEL_EXPORTER_OTLP_PROTOCOL, else http/protobuf; grpc
       * is refused rather than silently sent another way.
       */
      protocol: z
        .enum(['http/protobuf', 'http/json'], { error: 'must be http/protobuf or http/json (the agent does not export over grpc)' })
        .prefault(protocolFromEnvironment),
      /** OTLP/HTTP traces endpoint. Default $OTEL_EXPORTER_OTLP_TRACES_ENDPOINT or http://127.0.0.1:4318/v1/traces. */
      endpoint: url.default(() => process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? 'http://127.0.0.1:4318/v1/traces'),
      /** Zipkin's span endpoint. Default $OTEL_EXPORTER_ZIPKIN_ENDPOINT or http://127.0.0.1:9411/api/v2/spans. */
      zipkinEndpoint: url.default(() => process.env.OTEL_EXPORTER_ZIPKIN_ENDPOINT ?? 'http://127.0.0.1:9411/api/v2/spans'),
      /** false: spans are created (ids in logs and events) but not exported. */
      export: z.boolean().default(true),
      /** Incoming request paths that get no span. */
      ignorePaths: z.array(z.string()).default(['/metrics', '/healthz', '/readyz']),
      /**
       * true: pg's BEGIN, COMMIT and ROLLBACK statements get spans too. Off by default: such a span
       * shows a round trip and nothing else, and they were 6 of the pipeline shop's 16 spans per order.
       */
      transactionSpans: z.boolean({ error: 'must be true or false' }).default(false),
      /**
       * The instrumentations that run, of {@link AGENT_INSTRUMENTATIONS}. Each costs every request or
       * message it sees, sampled or not (agents/README "What it costs"): a service that cannot pay for
       * a span per pg statement can leave pg out and keep the rest. Default: OpenTelemetry's variables,
       * OTEL_NODE_ENABLED_INSTRUMENTATIONS (only these) and then OTEL_NODE_DISABLED_INSTRUMENTATIONS
       * (all but these), else all of them.
       */
      instrumentations: z
        .array(
          z.enum(AGENT_INSTRUMENTATIONS, {
            error: (issue) => `"${String(issue.input)}" is no instrumentation of the agent; it has ${AGENT_INSTRUMENTATIONS.join(', ')}`,
          }),
        )
        .prefault(instrumentationsFromEnvironment),
    })
    .prefault({}),
  log: z
    .strictObject({
      level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default(() => (process.env.ORDERSCOPE_LOG_LEVEL as 'info' | undefined) ?? 'info'),
      /** Where log lines go; stdout when absent. */
      destination: z.custom<DestinationStream>((v) => typeof (v as DestinationStream | undefined)?.write === 'function', { error: 'must be a stream (an object with write())' }).optional(),
    })
    .prefault({}),
});

/** What startAgent takes: `service`, `collectorUrl` and `token` are required, everything else has a default. */
export type AgentOptions = z.input<typeof agentOptionsSchema>;
/** The options with every default filled in. */
export type ResolvedAgentOptions = z.output<typeof agentOptionsSchema> & { source: string; spoolDir: string };

/**
 * Validates the options and fills in the defaults; fails with every wrong key and what is wrong with it.
 * `keyNames` names keys the way the user wrote them (environment variables, CLI flags).
 */
export function parseAgentOptions(options: AgentOptions, keyNames: Readonly<Record<string, string>> = {}): ResolvedAgentOptions {
  const parsed = agentOptionsSchema.safeParse(options);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => {
      const key = i.path.map(String).join('.');
      // A list's item is named as its list is (one variable sets the whole list).
      const name = keyNames[key] ?? (typeof i.path.at(-1) === 'number' ? keyNames[i.path.slice(0, -1).map(String).join('.')] : undefined);
      return `${name ?? (key || '(options)')}: ${i.message}`;
    });
    throw new ConfigError(`invalid orderscope agent options:\n  ${lines.join('\n  ')}`);
  }
  const resolved = parsed.data;
  const source = resolved.source ?? resolved.service;
  if (!orderEventShape.shape.source.safeParse(source).success) {
    throw new ConfigError(
      `invalid orderscope agent options:\n  ${keyNames.source ?? 'source'}: the service name "${resolved.service}" is no valid source (lower case letters, digits, "_" or "-", starting with a letter); set the source explicitly`,
    );
  }
  return { ...resolved, source, spoolDir: path.resolve(resolved.spoolDir ?? path.join('.orderscope', 'spool', source)) };
}

/** The environment variable behind each option of a preloaded agent, for error messages. */
export const AGENT_ENV_NAMES: Readonly<Record<string, string>> = {
  service: 'ORDERSCOPE_AGENT_SERVICE (or OTEL_SERVICE_NAME)',
  source: 'ORDERSCOPE_AGENT_SOURCE',
  collectorUrl: 'ORDERSCOPE_COLLECTOR_URL',
  token: 'ORDERSCOPE_TOKEN',
  spoolDir: 'ORDERSCOPE_AGENT_SPOOL_DIR',
  spoolMaxBytes: 'ORDERSCOPE_AGENT_SPOOL_MAX_BYTES',
  'tracing.endpoint': 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
  'tracing.exporter': 'OTEL_TRACES_EXPORTER',
  'tracing.protocol': 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL (or OTEL_EXPORTER_OTLP_PROTOCOL)',
  'tracing.zipkinEndpoint': 'OTEL_EXPORTER_ZIPKIN_ENDPOINT',
  'tracing.transactionSpans': 'ORDERSCOPE_AGENT_TRANSACTION_SPANS',
  'tracing.instrumentations': 'OTEL_NODE_ENABLED_INSTRUMENTATIONS',
};

/**
 * The exporter OTEL_TRACES_EXPORTER names; unset and `none` (export off) leave the default, otlp. Any
 * other value goes to the option's check as it is: a typo ("zipkn") is refused at start instead of
 * silently sending the spans over OTLP to nowhere.
 */
function exporterFromEnvironment(): 'otlp' | 'zipkin' {
  const named = process.env.OTEL_TRACES_EXPORTER?.trim();
  return (!named || named === 'none' ? 'otlp' : named) as 'otlp' | 'zipkin';
}

/** OTLP's encoding as OpenTelemetry's variables name it: the traces' own, else the one for all signals. */
function protocolFromEnvironment(): 'http/protobuf' | 'http/json' {
  const named = (process.env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? process.env.OTEL_EXPORTER_OTLP_PROTOCOL)?.trim();
  return (named || 'http/protobuf') as 'http/protobuf' | 'http/json';
}

/**
 * The instrumentations OpenTelemetry's variables ask for: those OTEL_NODE_ENABLED_INSTRUMENTATIONS
 * names (all when it is unset or empty), less those OTEL_NODE_DISABLED_INSTRUMENTATIONS names, as
 * OpenTelemetry's own auto-instrumentation reads them (a name in both is disabled). An enabled name
 * the agent does not have goes to the option's check, to be refused by name: a typo ("postgres")
 * must not silently leave the statements untraced. A disabled one it does not have is already off.
 */
function instrumentationsFromEnvironment(): InstrumentationName[] {
  const enabled = namesIn(process.env.OTEL_NODE_ENABLED_INSTRUMENTATIONS) ?? [...AGENT_INSTRUMENTATIONS];
  const disabled = new Set(namesIn(process.env.OTEL_NODE_DISABLED_INSTRUMENTATIONS));
  return enabled.filter((name) => !disabled.has(name)) as InstrumentationName[];
}

/** The names of a comma-separated list, or undefined when it names none. */
function namesIn(list: string | undefined): string[] | undefined {
  const names = splitList(list ?? '');
  return names.length > 0 ? names : undefined;
}

/** The environment variables the agent's tracing reads whoever starts it (OpenTelemetry's own names). */
export const AGENT_TRACING_ENV = [
  'OTEL_TRACES_EXPORTER',
  'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
  'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL',
  'OTEL_EXPORTER_OTLP_PROTOCOL',
  'OTEL_EXPORTER_ZIPKIN_ENDPOINT',
  'OTEL_NODE_ENABLED_INSTRUMENTATIONS',
  'OTEL_NODE_DISABLED_INSTRUMENTATIONS',
  // Read by OpenTelemetry's NodeSDK itself, which makes the sampler they name (tracing.ts).
  'OTEL_TRACES_SAMPLER',
  'OTEL_TRACES_SAMPLER_ARG',
] as const;

/** Whether spans are sent: OpenTelemetry's `OTEL_TRACES_EXPORTER=none` makes them without sending them. */
export function spanExportFromEnv(env: NodeJS.ProcessEnv): boolean {
  return env.OTEL_TRACES_EXPORTER?.trim() !== 'none';
}

/**
 * The options of a preloaded agent (agents/node/register), from the environment: see
 * {@link AGENT_ENV_NAMES}; in addition `OTEL_TRACES_EXPORTER=none` turns span export off (`zipkin`
 * sends spans to Zipkin, anything else over OTLP) and
 * `ORDERSCOPE_LOG_LEVEL` sets the log level.
 */
export function agentOptionsFromEnv(env: NodeJS.ProcessEnv): AgentOptions {
  const maxBytes = env.ORDERSCOPE_AGENT_SPOOL_MAX_BYTES;
  const options: Record<string, unknown> = {
    service: env.ORDERSCOPE_AGENT_SERVICE ?? env.OTEL_SERVICE_NAME ?? '',
    collectorUrl: env.ORDERSCOPE_COLLECTOR_URL ?? '',
    token: env.ORDERSCOPE_TOKEN ?? '',
    tracing: { export: spanExportFromEnv(env) },
  };
  const transactionSpans = env.ORDERSCOPE_AGENT_TRANSACTION_SPANS?.trim();
  // Anything but true or false goes to the option's check as it is, to be refused by name.
  if (transactionSpans) {
    (options.tracing as Record<string, unknown>).transactionSpans = transactionSpans === 'true' ? true : transactionSpans === 'false' ? false : transactionSpans;
  }
  if (env.ORDERSCOPE_AGENT_SOURCE) options.source = env.ORDERSCOPE_AGENT_SOURCE;
  if (env.ORDERSCOPE_AGENT_SPOOL_DIR) options.spoolDir = env.ORDERSCOPE_AGENT_SPOOL_DIR;
  if (maxBytes) options.spoolMaxBytes = Number(maxBytes);
  return options as AgentOptions;
}

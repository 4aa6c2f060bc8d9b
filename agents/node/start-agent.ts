import type { RequestHandler } from 'express';
import { Registry } from 'prom-client';
import { collectProcessMetrics, ConfigError, createLogger, type Logger, metricsHandler } from '../../common';
import { parseAgentOptions, type AgentOptions, type ResolvedAgentOptions } from './agent-options';
import { createHttpMetricsMiddleware } from './http-metrics';
import { createAgentMetrics, createSpoolingSender, ThrottledWarning, type AgentMetrics } from '../shared';
import { traceContextMixin } from './trace-context';
import { startTracing } from './tracing';
import { createTrackOrder, type TrackOrder } from './track-order';

/** A running agent: what the host application uses. */
export interface Agent {
  /** Records that an order entered a state; never throws, never waits. See {@link TrackOrder}. */
  readonly trackOrder: TrackOrder;
  /** The host's pino logger: every line carries the active span's trace_id and span_id. */
  readonly logger: Logger;
  /** The Prometheus registry of the agent's and the host's metrics (not prom-client's global one). */
  readonly registry: Registry;
  readonly metrics: AgentMetrics;
  /** Express middleware for the RED metrics of every request; mount it first. */
  readonly metricsMiddleware: RequestHandler;
  /** Express handler that serves {@link Agent.registry} in the Prometheus text format, e.g. on GET /metrics. */
  readonly metricsHandler: RequestHandler;
  /**
   * Resolves once every order event tracked so far is durable: accepted by the collector or in the
   * spool (so it survives a crash of this process). Tracking never waits; call this where the host
   * must know before it acknowledges its own work. Rejects (NotDurableError) when some were dropped
   * instead (the spool full, failing, or not open: see ready()).
   */
  flush(): Promise<void>;
  /**
   * Resolves once the spool is open; rejects with a ConfigError when its directory is in use by
   * another live process (logged too). Await it at start to fail at deploy time rather than during
   * the next collector outage; until then, and without a spool, events are sent directly.
   */
  ready(): Promise<void>;
  /**
   * Delivers what is buffered and spooled (for at most `shutdownTimeoutMs`; what is left stays in
   * the spool for the next start), then flushes the spans. Safe to call twice.
   */
  shutdown(): Promise<void>;
}

let running: Agent | undefined;

/**
 * Starts the orderscope agent in this process: OpenTelemetry tracing (OTLP/HTTP; http, pg, amqplib
 * and kafkajs instrumented, a request's span named by its express route), a pino logger with trace
 * ids, a Prometheus registry with RED middleware, and trackOrder with its batching, retrying,
 * spooling sender.
 *
 * **Call it before anything requires http, express, pg, amqplib or kafkajs**: OpenTelemetry
 * instruments a module when it is required, and a module required earlier stays untraced. Either
 * preload it without a code change, `node --require orderscope/dist/agents/node/register app.js`
 * (configured by environment variables, then reached with {@link getAgent}), or call it first
 * thing in the entry file and `require` the application after it. Static imports are hoisted
 * above any call, so an entry file that imports express cannot start the agent in time. ES module
 * applications also need OpenTelemetry's loader hook:
 * `node --import @opentelemetry/instrumentation/hook.mjs --require .../register app.mjs`.
 *
 * Throws a ConfigError for invalid options or a spool directory that cannot be made: better at
 * deploy time than during the next collector outage. Locking the spool directory takes a moment (it
 * is a socket, see common/spool): {@link Agent.ready} says when it is done, or that another live
 * process holds the directory. One agent per process.
 */
export function startAgent(options: AgentOptions): Agent {
  return launchAgent(parseAgentOptions(options));
}

/** The agent started by {@link startAgent} or by the register preload. */
export function getAgent(): Agent {
  if (!running) {
    throw new ConfigError('no orderscope agent is running in this process: call startAgent() first, or preload it with node --require orderscope/dist/agents/node/register');
  }
  return running;
}

/** Starts an agent from options that are already validated (the preload validates them against environment variable names). */
export function launchAgent(config: ResolvedAgentOptions): Agent {
  if (running) throw new ConfigError('an orderscope agent is already running in this process; start it once and reach it with getAgent()');
  const logger = createLogger(config.service, config.log.level, { mixin: traceContextMixin, destination: config.log.destination });
  const agentLogger = logger.child({ component: 'orderscope-agent' });
  const registry = new Registry();
  collectProcessMetrics(registry);
  const metrics = createAgentMetrics(registry);
  // The spool first: it is what can fail (directory unwritable), and nothing is started yet.
  const sender = createSpoolingSender({ ...config, logger: agentLogger, metrics });
  const sdk = startTracing({ serviceName: config.service, ...config.tracing });
  sender.start();

  let stopping: Promise<void> | undefined;
  const agent: Agent = {
    trackOrder: createTrackOrder({ source: config.source, sender, metrics, warnings: new ThrottledWarning(agentLogger) }),
    logger,
    registry,
    metrics,
    metricsMiddleware: createHttpMetricsMiddleware(registry),
    metricsHandler: metricsHandler(registry),
    flush: () => sender.flush(),
    ready: () => sender.ready(),
    shutdown: () =>
      (stopping ??= (async () => {
        await sender.close(config.shutdownTimeoutMs);
        await sdk.shutdown().catch((err: unknown) => agentLogger.warn({ err }, 'could not flush the last spans'));
        logger.flush();
        if (running === agent) running = undefined;
      })()),
  };
  running = agent;
  agentLogger.info({ source: config.source, collector: config.collectorUrl, spool: config.spoolDir }, 'orderscope agent started');
  return agent;
}

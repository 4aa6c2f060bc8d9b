import type { Express } from 'express';
import { Registry } from 'prom-client';
import type { EventPublisher } from '../bus';
import { silentLogger, type Config, type Logger, listen, type ListenOptions, type RunningServer, RateLimiter } from '../common';
import { heartbeatOrderId } from '../events';
import { createHeartbeater } from './heartbeat/heartbeater';
import { createHttp } from './http/app';
import { createCollectorMetrics, type CollectorMetrics } from './metrics';

export interface CollectorOptions {
  /** `collector` (limits, host, port) and `tokens` are read. */
  config: Config;
  /**
   * Where accepted events go. The bus belongs to the caller: start it before the collector
   * serves, close it after {@link Collector.close}.
   */
  bus: EventPublisher;
  logger?: Logger;
  /** Registry for the collector's metrics (a new one when absent); pass a shared one in embedded mode. */
  registry?: Registry;
  /** Clock in epoch milliseconds, for the "not in the future" rule and the rate limiter. */
  now?: () => number;
  /** The flags of the command that started it which set its host and port, named if it cannot listen. */
  listenFlags?: ListenOptions['flags'];
  /**
   * The order ids of the heartbeats, one per partition of the topic: `heartbeatOrderIds(partitions)`
   * of bus/ for Kafka. One id when absent (the in-process bus has one "partition").
   */
  heartbeatOrderIds?: readonly string[];
}

export interface Collector {
  /** Every route as an express app, to mount in another app ({@link Collector.start} serves the ingest without express: http/app.ts). */
  readonly app: Express;
  readonly registry: Registry;
  readonly metrics: CollectorMetrics;
  /**
   * Listens on collector.host:collector.port (port 0: any free port) and starts the heartbeats
   * (collector.heartbeatIntervalMs). Calling it again returns the same server.
   */
  start(): Promise<RunningServer>;
  /** Stops the heartbeats and accepting connections, and waits for in-flight requests (and their publishes). Safe to call twice. */
  close(): Promise<void>;
}

/**
 * Keep-alive connections idle for less than this stay open: longer than the 60 s idle timeout of
 * common load balancers, so that they never reuse a connection the collector is closing.
 */
const KEEP_ALIVE_TIMEOUT_MS = 65_000;

/**
 * The collector: authenticated HTTP ingest of order events into the bus. Stateless (except each
 * token's rate-limit bucket), so any number of replicas can run behind a load balancer.
 */
export function createCollector(options: CollectorOptions): Collector {
  const { config, bus } = options;
  const logger = options.logger ?? silentLogger();
  const registry = options.registry ?? new Registry();
  const metrics = createCollectorMetrics(registry);
  const now = options.now ?? Date.now;
  const heartbeater = createHeartbeater({
    bus,
    orderIds: options.heartbeatOrderIds ?? [heartbeatOrderId(0)],
    intervalMs: config.collector.heartbeatIntervalMs,
    now,
    logger,
    metrics,
  });
  const http = createHttp({
    limits: config.collector,
    tokens: config.tokens,
    bus,
    logger,
    metrics,
    registry,
    limiter: new RateLimiter({ eventsPerSecond: config.collector.rateLimitEventsPerSecond, burst: config.collector.rateLimitBurst }),
    now,
  });
  if (!config.tokens.some((t) => t.scopes.includes('ingest'))) {
    logger.warn('no token with the ingest scope is configured: every POST /v1/events will be answered 401 or 403 (add tokens to the config or set ORDERSCOPE_TOKEN)');
  }

  let starting: Promise<RunningServer> | undefined;
  let closing: Promise<void> | undefined;
  return {
    app: http.app,
    registry,
    metrics,
    start: () =>
      (starting ??= listen(http.listener, config.collector.host, config.collector.port, { timeouts: config.http, keepAliveTimeoutMs: KEEP_ALIVE_TIMEOUT_MS, configSection: 'collector', ...(options.listenFlags && { flags: options.listenFlags }) }).then((running) => {
        logger.info({ url: running.url }, 'collector listening');
        heartbeater.start();
        return running;
      })),
    close: () =>
      (closing ??= (async () => {
        await heartbeater.close();
        if (!starting) return;
        const running = await starting.catch(() => undefined);
        await running?.close();
      })()),
  };
}

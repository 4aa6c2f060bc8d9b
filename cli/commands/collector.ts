import type { Command } from 'commander';
import { Registry } from 'prom-client';
import { KafkaBus } from '../../bus';
import { createCollector } from '../../collector';
import { createLogger, loadConfig, type Logger } from '../../common';
import { ConfigError } from '../../common/errors';

/** How long a graceful shutdown may take before the process gives up and exits 1. */
const SHUTDOWN_DEADLINE_MS = 30_000;

/** `orderscope collector`: the production collector, HTTP ingest into Kafka. */
export function registerCollector(program: Command): void {
  program
    .command('collector')
    .description('Run the collector: authenticated HTTP ingest of order events (POST /v1/events) into Kafka.')
    .option('-c, --config <file>', 'YAML config file (default: $ORDERSCOPE_CONFIG; ORDERSCOPE_* variables override it)')
    .option('--host <host>', 'address to listen on (overrides collector.host, default 127.0.0.1)')
    .option('--port <port>', 'port to listen on, 0 for any free one (overrides collector.port, default 7400)', parsePort)
    .addHelpText(
      'after',
      `
Endpoints:
  POST /v1/events   a JSON array (application/json) or NDJSON (application/x-ndjson) of order events,
                    with Authorization: Bearer <token>; answers 202 {accepted, rejected: [{index, event_id, error}]}
  GET  /metrics     Prometheus metrics (orderscope_collector_*, orderscope_bus_*, process)
  GET  /healthz     200 while the process is alive
  GET  /readyz      200 while Kafka takes events, else 503

Configuration (config file keys, or ORDERSCOPE_<SECTION>_<KEY> variables):
  collector.maxEvents, maxBytes, rateLimitEventsPerSecond, rateLimitBurst, publishTimeoutMs
  kafka.brokers, topic, partitions, replicationFactor
  tokens: [{name, sha256, sources, scopes}]   (ORDERSCOPE_TOKEN adds one all-powerful token, for development)

SIGTERM or SIGINT stops accepting requests, finishes those in flight, flushes to Kafka and exits 0.`,
    )
    .action(async (opts: { config?: string; host?: string; port?: number }) => {
      const config = loadConfig({
        file: opts.config,
        overrides: { collector: { ...(opts.host !== undefined && { host: opts.host }), ...(opts.port !== undefined && { port: opts.port }) } },
      });
      const logger = createLogger('collector', config.log.level);
      const registry = new Registry();
      const bus = new KafkaBus({ kafka: config.kafka, publishTimeoutMs: config.collector.publishTimeoutMs, logger, registry });
      await bus.start();
      const collector = createCollector({ config, bus, logger, registry });
      await collector.start();
      closeOnSignals(logger, async () => {
        await collector.close();
        await bus.close();
      });
    });
}

/**
 * On SIGTERM or SIGINT: stop gracefully and exit 0; exit 1 if that takes longer than the deadline or
 * fails, or at once on a second signal (an operator who insists).
 */
function closeOnSignals(logger: Logger, close: () => Promise<void>): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting without waiting');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down: finishing in-flight requests');
    setTimeout(() => {
      logger.error(`shutdown took longer than ${SHUTDOWN_DEADLINE_MS} ms; exiting`);
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS).unref();
    close().then(
      () => {
        logger.info('stopped');
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, 'error while shutting down');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

function parsePort(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65_535) throw new ConfigError(`--port: "${value}" is not a port number (0-65535)`);
  return n;
}

import type { Command } from 'commander';
import { Registry } from 'prom-client';
import { heartbeatOrderIds, KafkaPublisher } from '../../bus';
import { createCollector } from '../../collector';
import { createLogger, loadConfig } from '../../common';
import { closeOnSignals, parsePort } from '../lifecycle';

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
  http.headersTimeoutMs, requestTimeoutMs
                    a client slower to send its request's headers (default 10000 ms) or all of it
                    (default 30000 ms) is answered 408 and disconnected
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
      const bus = new KafkaPublisher({ kafka: config.kafka, publishTimeoutMs: config.collector.publishTimeoutMs, logger, registry });
      await bus.start();
      const collector = createCollector({ config, bus, logger, registry, listenFlags: { host: '--host', port: '--port' }, heartbeatOrderIds: heartbeatOrderIds(await bus.partitionCount()) });
      await collector.start();
      closeOnSignals(logger, async () => {
        await collector.close();
        await bus.close();
      });
    });
}

import type { RunningService, ServiceContext } from '../runtime/service';
import { connectAmqp } from '../shared/amqp/connection';
import { QUEUES } from '../shared/amqp/topology';
import { ensureSchema, openPool, pingDatabase } from '../shared/db';
import { serveService } from '../shared/http-app';
import { PipelineMetrics } from '../shared/metrics';
import { OutboxRelay } from '../shared/outbox';
import { mountShopRoutes } from './http';
import { SHOP_SCHEMA } from './orders-store';
import { droppingAgent, stateRecorder } from '../shared/state-journal';
import { untrackedApplies } from '../config/toggles';

/**
 * The shop: takes orders over HTTP and sends each one's cost-analysis request straight to the MES
 * over RabbitMQ (queue mes.pricing), through its outbox. Tracks `placed` and `quote_requested`.
 */
export async function startShop({ config, agent, onFatal }: ServiceContext<'shop'>): Promise<RunningService> {
  const logger = agent.logger;
  const name = `shop-${config.instance}`;
  const metrics = new PipelineMetrics(agent.registry);
  const pool = openPool(config.databaseUrl, { name, logger });
  await ensureSchema(pool, 'shop', SHOP_SCHEMA, logger);
  const amqp = await connectAmqp(config.amqpUrl, { name, logger, onLost: onFatal });
  const publisher = await amqp.openPublisher([QUEUES.pricing], metrics);
  const relay = new OutboxRelay({ pool, publisher, queues: [QUEUES.pricing], sweepAfterMs: config.republishAfterMs, logger });
  metrics.outboxGauge(() => relay.pending());
  relay.start();
  metrics.eventsDropped.inc({ reason: 'fault_untracked' }, 0);
  const untracked = {
    applies: (partNumber: string) => untrackedApplies(config.toggles, partNumber),
    recordStateChange: stateRecorder(droppingAgent(agent, () => metrics.eventsDropped.inc({ reason: 'fault_untracked' }))),
  };

  return serveService(agent, {
    host: config.host,
    port: config.port,
    checks: { database: () => pingDatabase(pool), rabbitmq: amqp.check },
    mount: (app) => mountShopRoutes(app, { pool, relay, recordStateChange: stateRecorder(agent), untracked }),
    closeServer: 'first',
    closers: [
      ['the outbox relay', () => relay.close()],
      ['RabbitMQ', amqp.close],
      ['the database pool', () => pool.end()],
    ],
  });
}

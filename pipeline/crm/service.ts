import type { RunningService, ServiceContext } from '../runtime/service';
import { connectAmqp } from '../shared/amqp/connection';
import { QueueConsumer } from '../shared/amqp/consumer';
import { QUEUES } from '../shared/amqp/topology';
import { ensureSchema, openPool, pingDatabase, withTransaction } from '../shared/db';
import { serveService } from '../shared/http-app';
import { quoteSchema } from '../shared/messages';
import { PipelineMetrics } from '../shared/metrics';
import { OutboxRelay } from '../shared/outbox';
import { currentTraceCarrier } from '../shared/trace-context';
import { Assigner } from './assigner';
import { mountCrmRoutes } from './http';
import { CrmMetrics } from './metrics';
import { CRM_SCHEMA, pendingCount, receiveQuote, syncOperators } from './orders-store';
import { stateRecorder } from '../shared/state-journal';

/** How long a production order waits in the outbox before the sweep publishes it again. */
const REPUBLISH_AFTER_MS = 5000;
/** A quote that fails this often goes to crm.quotes.dead. */
const MAX_RETRIES = 5;
const RETRY_DELAY_MS = 2000;

/**
 * The CRM: takes quotes from the MES (queue crm.quotes), assigns them fairly to operators
 * (`assigned`; B2B first with the b2bFirst toggle), and lets operators confirm them over HTTP
 * (`confirmed`), which sends the production order to the MES (queue mes.production) through its outbox.
 */
export async function startCrm({ config, agent, onFatal }: ServiceContext<'crm'>): Promise<RunningService> {
  const logger = agent.logger;
  const name = `crm-${config.instance}`;
  const metrics = new PipelineMetrics(agent.registry);
  const pool = openPool(config.databaseUrl, { name, logger });
  await ensureSchema(pool, 'crm', CRM_SCHEMA, logger);
  await withTransaction(pool, (tx) => syncOperators(tx, config.operators));
  const crmMetrics = new CrmMetrics(
    agent.registry,
    config.operators.map((o) => o.id),
    () => pendingCount(pool),
  );

  const amqp = await connectAmqp(config.amqpUrl, { name, logger, onLost: onFatal });
  const publisher = await amqp.openPublisher([QUEUES.production], metrics);
  const relay = new OutboxRelay({ pool, publisher, queues: [QUEUES.production], sweepAfterMs: REPUBLISH_AFTER_MS, logger });
  metrics.outboxGauge(() => relay.pending());
  relay.start();
  const assigner = new Assigner({ pool, recordStateChange: stateRecorder(agent), b2bFirst: config.toggles.b2bFirst, fairnessWindowMs: config.fairnessWindowMs, metrics: crmMetrics, logger });
  assigner.start();

  const quotes = await QueueConsumer.start(amqp.model, {
    queue: QUEUES.quotes,
    schema: quoteSchema,
    prefetch: config.prefetch,
    maxRetries: MAX_RETRIES,
    retryDelayMs: RETRY_DELAY_MS,
    metrics,
    logger,
    onFatal,
    handler: async (quote) => {
      // The trace the quote arrived in goes with the pending order, for the assignment that may come later.
      const fresh = await receiveQuote(pool, quote, currentTraceCarrier());
      if (!fresh) logger.info({ order_id: quote.order_id }, 'quote received again; the order is already known');
      await assigner.run();
    },
  });

  return serveService(agent, {
    host: config.host,
    port: config.port,
    checks: { database: () => pingDatabase(pool), rabbitmq: amqp.check },
    mount: (app) => mountCrmRoutes(app, { pool, relay, assigner, recordStateChange: stateRecorder(agent), fairnessWindowMs: config.fairnessWindowMs }),
    closeServer: 'first',
    closers: [
      ['the quote consumer', () => quotes.close()],
      ['the assigner', () => assigner.close()],
      ['the outbox relay', () => relay.close()],
      ['RabbitMQ', amqp.close],
      ['the database pool', () => pool.end()],
    ],
  });
}

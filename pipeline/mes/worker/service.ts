import { once } from 'node:events';
import { Redis } from 'ioredis';
import { type Logger, sleep } from '../../../common';
import type { RunningService, ServiceContext } from '../../runtime/service';
import { connectAmqp } from '../../shared/amqp/connection';
import { QueueConsumer } from '../../shared/amqp/consumer';
import { QUEUES } from '../../shared/amqp/topology';
import { ensureSchema, openPool, pingDatabase } from '../../shared/db';
import { serveService } from '../../shared/http-app';
import { pricingRequestSchema, productionOrderSchema } from '../../shared/messages';
import { PipelineMetrics } from '../../shared/metrics';
import { NO_CACHE, RedisPriceCache } from '../pricing/price-cache';
import { pricePart } from '../pricing/price-part';
import { PricingPool } from '../pricing/pricing-pool';
import { mountProductionRoutes } from '../api/http';
import { receiveProductionOrder } from '../store/production-orders';
import { MES_SCHEMA } from '../store/schema';
import { PricingMetrics } from './metrics';
import { createPricingHandler } from './pricing-handler';
import { stateRecorder } from '../../shared/state-journal';

/** Production orders taken from RabbitMQ at once: storing one is a single insert. */
const PRODUCTION_PREFETCH = 20;
/** How long a worker may hold a part's pricing lock (others wait for its price that long at most). */
const PRICING_LOCK_MS = 30_000;
/** How long the start waits for Redis before going on without the cache (it connects later by itself). */
const REDIS_START_WAIT_MS = 5000;

/**
 * The MES worker, the consumers the MES API no longer has inside: cost analyses (queue mes.pricing)
 * on `concurrency` pricing threads, with the Redis pricing cache, and production orders from the CRM
 * (queue mes.production), stored for the shop floor. Run as many replicas as needed: RabbitMQ shares
 * the messages among them. It serves /metrics, /healthz and /readyz only (with the legacy toggle, the
 * MES API's production routes too: see toggles.ts).
 */
export async function startMesWorker({ config, agent, onFatal }: ServiceContext<'mes-worker'>): Promise<RunningService> {
  const logger = agent.logger;
  const name = `mes-worker-${config.instance}`;
  const metrics = new PipelineMetrics(agent.registry);
  const pricingMetrics = new PricingMetrics(agent.registry);
  const pool = openPool(config.databaseUrl, { name, logger });
  await ensureSchema(pool, 'mes', MES_SCHEMA, logger);

  const { legacy } = config.toggles;
  const redis = config.toggles.pricingCache && !legacy ? await connectRedis(config.redisUrl, name, logger) : undefined;
  const cache = redis ? new RedisPriceCache(redis, { ttlMs: config.cacheTtlMs, lockMs: PRICING_LOCK_MS, logger }) : NO_CACHE;
  const threads = legacy ? undefined : new PricingPool(config.concurrency, config.pricingIterations);
  const recordStateChange = stateRecorder(agent);

  const amqp = await connectAmqp(config.amqpUrl, { name, logger, onLost: onFatal });
  const publisher = await amqp.openPublisher([QUEUES.quotes], metrics);
  const consumerOptions = { maxRetries: config.maxRetries, retryDelayMs: config.retryDelayMs, metrics, logger, onFatal };
  const pricing = await QueueConsumer.start(amqp.model, {
    ...consumerOptions,
    queue: QUEUES.pricing,
    schema: pricingRequestSchema,
    // Twice the threads, so that a thread does not idle while the previous result is being stored.
    prefetch: threads ? config.concurrency * 2 : 1,
    handler: createPricingHandler({
      pool,
      publisher,
      cache,
      // The legacy shape prices on the event loop: nothing else of this process runs meanwhile.
      analyse: async (part) => (threads ? threads.price(part) : pricePart(part, config.pricingIterations)),
      recordStateChange,
      toggles: config.toggles,
      instance: config.instance,
      metrics: pricingMetrics,
      logger,
    }),
  });
  const production = await QueueConsumer.start(amqp.model, {
    ...consumerOptions,
    queue: QUEUES.production,
    schema: productionOrderSchema,
    prefetch: PRODUCTION_PREFETCH,
    handler: async (order) => {
      const fresh = await receiveProductionOrder(pool, order);
      logger.info({ order_id: order.order_id, duplicate: !fresh }, 'production order received');
    },
  });

  return serveService(agent, {
    host: config.host,
    port: config.port,
    checks: { database: () => pingDatabase(pool), rabbitmq: amqp.check },
    ...(legacy && { mount: (app) => mountProductionRoutes(app, { pool, readPool: pool, recordStateChange, amqpUrl: config.amqpUrl }) }),
    closeServer: 'last',
    closers: [
      ['the pricing consumer', () => pricing.close()],
      ['the production consumer', () => production.close()],
      ['RabbitMQ', amqp.close],
      ['the pricing threads', async () => threads?.close()],
      ['Redis', async () => redis?.quit()],
      ['the database pool', () => pool.end()],
    ],
  });
}

/**
 * A Redis client for the cache that fails fast instead of queueing commands while disconnected
 * (a price is then computed without the cache), and reconnects by itself.
 */
async function connectRedis(url: string, name: string, logger: Logger): Promise<Redis> {
  const redis = new Redis(url, { connectionName: name, enableOfflineQueue: false, maxRetriesPerRequest: 1 });
  let lastError = '';
  redis.on('error', (err: Error) => {
    // ioredis repeats the same error at every reconnect attempt: log each new one.
    if (err.message !== lastError) logger.warn({ err }, 'Redis (the pricing cache) failed; pricing goes on without it until it is back');
    lastError = err.message;
  });
  redis.on('ready', () => {
    if (lastError) logger.info('Redis (the pricing cache) is back');
    lastError = '';
  });
  await Promise.race([once(redis, 'ready'), sleep(REDIS_START_WAIT_MS)]);
  return redis;
}

import { connect } from 'amqplib';
import type { RequestHandler } from 'express';
import { Client } from 'pg';
import { Registry } from 'prom-client';
import type { Agent } from '../../../agents/node';
import { createVhost } from '../../../bench/support/rabbitmq-vhost';
import { silentLogger, sleep } from '../../../common';
import { createTestDatabase } from '../../../tracker/test/postgres';
import { parseServiceConfig, SERVICE_OPTIONS } from '../../config/service-config';
import { EXCHANGE, QUEUES } from '../../shared/amqp/topology';
import { startMesWorker } from './service';

/*
 * The legacy toggle puts back the architecture the pipeline replaced, for the pipeline benchmark: the
 * worker prices on its own event loop, one request at a time, and serves the MES API's routes itself.
 */

const passThrough: RequestHandler = (_req, _res, next) => next();
const tracked: [string, string][] = [];
const agent = {
  logger: silentLogger(),
  registry: new Registry(),
  metricsMiddleware: passThrough,
  metricsHandler: passThrough,
  trackOrder: (orderId: string, state: string) => void tracked.push([orderId, state]),
} as unknown as Agent;

describe('mes-worker with the legacy toggle', () => {
  it('prices requests on its event loop without the cache (Redis is not even reachable), and serves the production routes itself', async () => {
    const [db, vhost] = await Promise.all([createTestDatabase(), createVhost()]);
    const config = parseServiceConfig('mes-worker', {
      ...Object.fromEntries(SERVICE_OPTIONS['mes-worker'].filter((o) => o.default !== undefined).map((o) => [o.key, o.default])),
      databaseUrl: db.url,
      amqpUrl: vhost.url,
      // Nothing listens there: the legacy worker must not need Redis at all.
      redisUrl: 'redis://127.0.0.1:1',
      token: 't',
      port: '0',
      logLevel: 'silent',
      instance: 'legacy',
      pricingIterations: '1000',
      toggles: ['legacy=true'],
    });
    const worker = await startMesWorker({ config, agent, onFatal: () => undefined });
    const client = new Client({ connectionString: db.url });
    await client.connect();
    try {
      expect(await (await fetch(`${worker.url}/production?state=queued`)).json()).toEqual({ orders: [] });
      const connection = await connect(vhost.url);
      const channel = await connection.createConfirmChannel();
      for (const i of [1, 2, 3]) {
        const request = { order_id: `SO-LEGACY-${i}`, customer_id: 'c', segment: 'b2c', part: { part_number: 'P-1', material: 'steel', dimensions_mm: { x: 1, y: 2, z: 3 }, tolerance_mm: 0.1, finish: 'none' }, quantity: 1 };
        channel.publish(EXCHANGE, QUEUES.pricing.routingKey, Buffer.from(JSON.stringify(request)), { persistent: true, contentType: 'application/json', messageId: `pricing:${request.order_id}` });
      }
      await channel.waitForConfirms();
      await connection.close();
      for (let quoted = 0; quoted < 3; await sleep(50)) {
        quoted = (await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM pricing_jobs WHERE state = 'quoted'`)).rows[0]!.n;
      }
      // The same part three times, priced each time: there is no cache to answer the second.
      const { rows } = await client.query<{ cache_result: string }>('SELECT cache_result FROM pricing_jobs ORDER BY order_id');
      expect(rows.map((r) => r.cache_result)).toEqual(['off', 'off', 'off']);
      expect(tracked.filter(([, state]) => state === 'quoted').map(([id]) => id).sort()).toEqual(['SO-LEGACY-1', 'SO-LEGACY-2', 'SO-LEGACY-3']);
    } finally {
      await client.end();
      await worker.close();
      await Promise.all([db.drop(), vhost.drop()]);
    }
  });
});

import { Client } from 'pg';
import { Registry } from 'prom-client';
import type { RequestHandler } from 'express';
import type { Agent } from '../../../agents/node';
import { silentLogger } from '../../../common';
import { createTestDatabase } from '../../../tracker/test/postgres';
import { parseServiceConfig } from '../../config/service-config';
import { MES_SCHEMA } from '../store/schema';
import { startMesApi } from './service';

/*
 * The MES dashboard's reads go to the read replica when one is configured, and the shop floor's steps
 * to the primary. Two databases stand for the two: each holds a different production order, so the
 * answers show which one a request read.
 */

const passThrough: RequestHandler = (_req, _res, next) => next();
const agent = { logger: silentLogger(), registry: new Registry(), metricsMiddleware: passThrough, metricsHandler: passThrough, trackOrder: () => undefined } as unknown as Agent;

async function databaseWith(orderId: string) {
  const db = await createTestDatabase();
  const client = new Client({ connectionString: db.url });
  await client.connect();
  for (const ddl of MES_SCHEMA) await client.query(ddl);
  await client.query(`INSERT INTO production_orders (order_id, state, segment, part, quantity, operator_id, total_cents) VALUES ($1, 'queued', 'b2b', '{"part_number": "P-1"}', 1, 'op-1', 100)`, [orderId]);
  await client.end();
  return db;
}

describe('the MES API with a read replica', () => {
  it('lists and shows production from the replica, and takes steps on the primary', async () => {
    const [primary, replica] = await Promise.all([databaseWith('SO-ON-PRIMARY'), databaseWith('SO-ON-REPLICA')]);
    const config = parseServiceConfig('mes-api', { databaseUrl: primary.url, readDatabaseUrl: replica.url, token: 't', collectorUrl: 'http://127.0.0.1:7400', amqpUrl: 'amqp://guest:guest@127.0.0.1:5672', host: '127.0.0.1', port: '0', logLevel: 'silent', instance: 'test' });
    const api = await startMesApi({ config, agent, onFatal: () => undefined });
    try {
      const list = (await (await fetch(`${api.url}/production?state=queued`)).json()) as { orders: { order_id: string }[] };
      expect(list.orders.map((o) => o.order_id)).toEqual(['SO-ON-REPLICA']);
      expect((await fetch(`${api.url}/production/SO-ON-REPLICA`)).status).toBe(200);
      expect((await fetch(`${api.url}/production/SO-ON-PRIMARY`)).status).toBe(404);
      const started = await fetch(`${api.url}/production/SO-ON-PRIMARY/start`, { method: 'POST' });
      expect([started.status, ((await started.json()) as { state: string }).state]).toEqual([200, 'in_production']);
    } finally {
      await api.close();
      await Promise.all([primary.drop(), replica.drop()]);
    }
  });
});

import type { Express, RequestHandler } from 'express';
import type { Pool } from 'pg';
import { Registry } from 'prom-client';
import type { Agent } from '../../agents/node';
import { silentLogger, listen } from '../../common';
import { createVhost } from '../../bench/support/rabbitmq-vhost';
import { createTestDatabase } from '../../tracker/test/postgres';
import { connectAmqp, type AmqpConnection } from '../shared/amqp/connection';
import { ensureSchema, openPool } from '../shared/db';
import { createServiceApp } from '../shared/http-app';
import { PipelineMetrics } from '../shared/metrics';
import { stateRecorder, type RecordStateChange } from '../shared/state-journal';

/** One pipeline service's surroundings on the real servers: its own database and RabbitMQ virtual host. */
export interface ServiceFixture {
  readonly pool: Pool;
  readonly amqpUrl: string;
  readonly amqp: AmqpConnection;
  readonly metrics: PipelineMetrics;
  /** The journal recorder of the service, with an agent that notes each tracked state here. */
  readonly recordStateChange: RecordStateChange;
  /** `[order_id, state]` of every order event the service tracked, in order. */
  readonly tracked: [string, string][];
  /** Serves the routes `mount` adds, with the services' error answers; resolves to the base URL. */
  serve(mount: (app: Express) => void): Promise<string>;
  close(): Promise<void>;
}

const passThrough: RequestHandler = (_req, _res, next) => next();

export async function startServiceFixture(schemaName: string, schema: readonly string[]): Promise<ServiceFixture> {
  const logger = silentLogger();
  const [db, vhost] = await Promise.all([createTestDatabase(), createVhost()]);
  const pool = openPool(db.url, { name: `test-${schemaName}`, logger });
  await ensureSchema(pool, schemaName, schema, logger);
  const amqp = await connectAmqp(vhost.url, { name: `test-${schemaName}`, logger, onLost: () => undefined });
  const tracked: [string, string][] = [];
  const agent = {
    logger,
    registry: new Registry(),
    metricsMiddleware: passThrough,
    metricsHandler: passThrough,
    trackOrder: (orderId: string, state: string) => void tracked.push([orderId, state]),
  } as unknown as Agent;
  const servers: (() => Promise<void>)[] = [];
  return {
    pool,
    amqpUrl: vhost.url,
    amqp,
    metrics: new PipelineMetrics(new Registry()),
    recordStateChange: stateRecorder(agent),
    tracked,
    serve: async (mount) => {
      const { app, finish } = createServiceApp(agent, {});
      mount(app);
      finish();
      const server = await listen(app, '127.0.0.1', 0);
      servers.push(server.close);
      return server.url;
    },
    close: async () => {
      for (const close of servers) await close();
      await amqp.close();
      await pool.end();
      await Promise.all([db.drop(), vhost.drop()]);
    },
  };
}

/** POSTs to a service and answers its status and JSON body. */
export async function post(url: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url, { method: 'POST' });
  return { status: res.status, body: await res.json() };
}

import type { RunningService, ServiceContext } from '../../runtime/service';
import { ensureSchema, openPool, pingDatabase } from '../../shared/db';
import { serveService } from '../../shared/http-app';
import { MES_SCHEMA } from '../store/schema';
import { mountProductionRoutes } from './http';
import { stateRecorder } from '../../shared/state-journal';

/**
 * The MES API: the shop floor's production endpoints (start, finish, ship) and production status.
 * No consumer runs inside it any more (that is mes-worker): a slow cost analysis cannot slow the
 * API, and each scales on its own. Reads go through a separate connection string, ready for a
 * read replica.
 */
export async function startMesApi({ config, agent }: ServiceContext<'mes-api'>): Promise<RunningService> {
  const logger = agent.logger;
  const name = `mes-api-${config.instance}`;
  const pool = openPool(config.databaseUrl, { name, logger });
  await ensureSchema(pool, 'mes', MES_SCHEMA, logger);
  const readPool = config.readDatabaseUrl ? openPool(config.readDatabaseUrl, { name: `${name}-read`, logger }) : pool;

  return serveService(agent, {
    host: config.host,
    port: config.port,
    checks: {
      database: () => pingDatabase(pool),
      ...(readPool !== pool && { read_database: () => pingDatabase(readPool) }),
    },
    mount: (app) => mountProductionRoutes(app, { pool, readPool, recordStateChange: stateRecorder(agent), amqpUrl: config.amqpUrl }),
    closeServer: 'first',
    closers: [
      ['the database pool', () => pool.end()],
      ['the read database pool', async () => readPool !== pool && (await readPool.end())],
    ],
  });
}

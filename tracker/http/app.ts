import express, { type Express, type Request, type Response } from 'express';
import type { Registry } from 'prom-client';
import type { Logger, TokenConfig } from '../../common';
import { describeError } from '../../common/errors';
import { errorHandler, metricsHandler, sendError } from '../../common/http';
import type { ProcessModel } from '../../events';
import { getOrder, listOrders, loadStays, orderEvents, type Db } from '../store';
import { encodeCursor, parseListQuery } from './list-query';
import { orderSummaryView, orderTimelineView } from './order-view';
import { requireScope } from './require-scope';

export interface TrackerAppOptions {
  readonly db: Db;
  readonly model: ProcessModel;
  /** Tokens allowed to read need the `read` scope. */
  readonly tokens: readonly TokenConfig[];
  /** Link from an event to its trace; {trace_id} and {span_id} are replaced. */
  readonly traceUrlTemplate: string;
  readonly registry: Registry;
  readonly logger: Logger;
  /** What /readyz reports besides the database: whether the tracker started and its bus can deliver. */
  readonly readiness: () => { started: boolean; bus: boolean };
  /** The clock, in ms (time in state of open stays). */
  readonly now?: () => number;
}

const READY_CHECK_TIMEOUT_MS = 2000;

/**
 * The tracker's HTTP API:
 *
 * - `GET /v1/orders/:id` an order's timeline (stays, SLA verdicts, events with trace links, violations);
 * - `GET /v1/orders?state=&status=&segment=&limit=&cursor=` orders longest in their state first,
 *   keyset-paginated (`next_cursor`);
 * - `GET /metrics` (no token), `GET /healthz` (the process runs), `GET /readyz` (database reachable,
 *   tracker started, bus ready).
 *
 * `/v1` needs a bearer token with the `read` scope. Every error is JSON `{ error: { code, message } }`.
 */
export function createTrackerApp(options: TrackerAppOptions): Express {
  const { db, model, logger } = options;
  const nowMicros = () => (options.now ?? Date.now)() * 1000;
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const { started, bus } = options.readiness();
    const database = await checkDatabase(db);
    const checks = { database, started: started ? 'ok' : 'starting', bus: bus ? 'ok' : 'not ready' };
    const ready = database === 'ok' && started && bus;
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not_ready', checks });
  });
  app.get('/metrics', metricsHandler(options.registry));

  const v1 = express.Router();
  v1.use(requireScope(options.tokens, 'read'));
  v1.get('/orders', async (req: Request, res: Response) => {
    const query = parseListQuery(req.query as Record<string, unknown>);
    const rows = await listOrders(db, query.filter, query.after, query.limit + 1);
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    const now = nowMicros();
    res.json({
      orders: page.map((o) => orderSummaryView(o, now)),
      next_cursor: rows.length > query.limit && last ? encodeCursor({ stateSince: last.stateSince, orderId: last.orderId }) : null,
    });
  });
  v1.get('/orders/:id', async (req: Request<{ id: string }>, res: Response) => {
    const id = req.params.id;
    // One snapshot, so that the order row, its stays and its events agree with each other.
    const found = await db.transaction(async (tx) => {
      await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
      const order = await getOrder(tx, id);
      if (!order) return undefined;
      return { order, stays: await loadStays(tx, [id]), events: await orderEvents(tx, id) };
    });
    if (!found) {
      return sendError(res, 404, 'order_not_found', `no order "${id}" is known: none of its events has been applied (check the id; orders appear with their first event)`);
    }
    res.json(orderTimelineView(found.order, found.stays, found.events, model, options.traceUrlTemplate, nowMicros()));
  });
  app.use('/v1', v1);

  app.use((req, res) => {
    sendError(res, 404, 'not_found', `no such endpoint: ${req.method} ${req.path} (the tracker serves GET /v1/orders, /v1/orders/{order_id}, /metrics, /healthz, /readyz)`);
  });
  app.use(errorHandler(logger));
  return app;
}

/** "ok", or why the database cannot be used right now (within a short timeout). */
async function checkDatabase(db: Db): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`no answer within ${READY_CHECK_TIMEOUT_MS} ms`), READY_CHECK_TIMEOUT_MS);
    timer.unref();
  });
  try {
    return await Promise.race([db.query('SELECT 1').then(() => 'ok'), timeout]);
  } catch (err) {
    return describeError(err);
  } finally {
    clearTimeout(timer);
  }
}

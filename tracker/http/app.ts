import express, { type Express, type Request, type Response } from 'express';
import type { Registry } from 'prom-client';
import type { PartitionReading } from '../../bus';
import { type Logger, type TokenConfig, describeError, ValidationError, errorHandler, metricsHandler, sendError, PROBE_PATHS } from '../../common';
import type { ProcessModel } from '../../events';
import { listOrders, type Db } from '../store';
import { pageOf, parseListQuery } from './list-query';
import { homeRoutes, type HomeHeartbeats } from './home-route';
import { badOrderIdMessage, loadOrderTimeline, orderNotFoundMessage } from './load-order';
import { refuseUndecodablePath } from './decodable-path';
import { lostRoutes } from './lost-route';
import { orderSummaryView, orderTimelineView } from './order-view';
import { deadLettersRoutes, type DeadLetterActions } from './dead-letters-route';
import { reportRoutes } from './report-route';
import { redriveRoutes } from './redrive-route';
import type { Redriver } from '../redrive/redriver';
import { requireScope } from './require-scope';
import { orderTracesView, type TraceBackend } from '../traces';

export interface TrackerAppOptions {
  readonly db: Db;
  /** Where latency reports read: a read replica (postgres.readUrl); `db` when absent. */
  readonly reportDb?: Db;
  readonly model: ProcessModel;
  /** Tokens allowed to read need the `read` scope. */
  readonly tokens: readonly TokenConfig[];
  /** Where trace links lead (tracker.traceBackend): a trace's page and an order's trace search. */
  readonly traces: TraceBackend;
  readonly registry: Registry;
  readonly logger: Logger;
  /**
   * What /readyz reports besides the database: whether the tracker started, its bus can deliver, and
   * it holds its instance's lease (absent: not checked).
   */
  readonly readiness: () => { started: boolean; bus: boolean; instance?: boolean };
  /** The partitions of the topic as the lag monitor last read them (absent: the bus has none, as in embedded mode). */
  readonly partitions?: () => readonly PartitionReading[];
  /** Retry and drop of dead letters (the tracker's). */
  readonly deadLetters: DeadLetterActions;
  /** Redrives of stuck and lost orders (the tracker's). */
  readonly redriver: Redriver;
  /** The clock, in ms (time in state of open stays). */
  readonly now?: () => number;
  /** What the home page shows of the collectors' heartbeats; nothing when absent. */
  readonly heartbeats?: HomeHeartbeats;
}

const READY_CHECK_TIMEOUT_MS = 2000;

/**
 * The tracker's HTTP API:
 *
 * - `GET /v1/orders/:id` an order's timeline (stays, SLA verdicts, events with trace links, violations,
 *   status history, the search for all its traces);
 * - `GET /v1/orders/:id/traces` the trace ids of the order's events with their links, and the search;
 * - `GET /v1/orders?state=&status=&segment=&limit=&cursor=` orders longest in their state first,
 *   keyset-paginated (`next_cursor`);
 * - `GET /v1/lost?state=&segment=&limit=&cursor=` lost orders, with why, since when and their traces
 *   (lost-route.ts);
 * - `GET /v1/reports/latency?from=&to=&group_by=&format=json|csv|html` the order-latency report of a
 *   period, read from `reportDb` (report-route.ts);
 * - `GET /v1/dead-letters`, `GET /v1/dead-letters/:id`, `POST /v1/dead-letters/:id/retry|drop` (admin
 *   scope) the events set aside because they cannot be applied (dead-letters-route.ts);
 * - `POST /v1/orders/:id/redrive`, `POST /v1/lost/redrive` (admin scope, an Idempotency-Key) get stuck
 *   and lost orders moving again with the action the process model names (redrive-route.ts);
 * - `GET /`, `GET /orders/:id` pages for people: orders in flight, stuck and lost orders, one order's
 *   timeline; a browser signs in once with its token (home-route.ts);
 * - `GET /metrics` (no token), `GET /healthz` (the process runs), `GET /readyz` (database reachable,
 *   tracker started, bus ready, the tracker instance's lease held).
 *
 * `/v1` needs a bearer token with the `read` scope. Every error is JSON `{ error: { code, message } }`,
 * but for the pages, which answer a page. Text in a query or path that PostgreSQL cannot store (U+0000,
 * a lone surrogate), an order id no event can have, and a path that does not percent-decode are 400s.
 */
export function createTrackerApp(options: TrackerAppOptions): Express {
  const { db, model, logger } = options;
  const nowMicros = () => (options.now ?? Date.now)() * 1000;
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use(refuseUndecodablePath(nowMicros));

  app.get(PROBE_PATHS.live, (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get(PROBE_PATHS.ready, async (_req, res) => {
    const { started, bus, instance = true } = options.readiness();
    const database = await checkDatabase(db);
    const checks = { database, started: started ? 'ok' : 'starting', bus: bus ? 'ok' : 'not ready', instance: instance ? 'ok' : 'held by another process' };
    const ready = database === 'ok' && started && bus && instance;
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not_ready', checks });
  });
  // OpenMetrics to a scraper that asks: the time-in-state histogram carries exemplars (trace ids).
  app.get('/metrics', metricsHandler(options.registry, { openMetrics: true }));

  const v1 = express.Router();
  v1.use(requireScope(options.tokens, 'read'));
  v1.get('/orders', async (req: Request, res: Response) => {
    const query = parseListQuery(req.query as Record<string, unknown>);
    const { page, nextCursor } = pageOf(await listOrders(db, query.filter, query.after, query.limit + 1), query.limit);
    const now = nowMicros();
    res.json({ orders: page.map((o) => orderSummaryView(o, now)), next_cursor: nextCursor });
  });
  v1.get('/orders/:id', async (req: Request<{ id: string }>, res: Response) => {
    const badId = badOrderIdMessage(req.params.id);
    if (badId !== undefined) throw new ValidationError(badId);
    const found = await loadOrderTimeline(db, req.params.id);
    if (!found) return sendError(res, 404, 'order_not_found', orderNotFoundMessage(req.params.id));
    res.json(orderTimelineView(found.order, found.stays, found.events, found.history, model, options.traces, nowMicros(), found.redrives));
  });
  v1.get('/orders/:id/traces', async (req: Request<{ id: string }>, res: Response) => {
    const badId = badOrderIdMessage(req.params.id);
    if (badId !== undefined) throw new ValidationError(badId);
    const found = await loadOrderTimeline(db, req.params.id);
    if (!found) return sendError(res, 404, 'order_not_found', orderNotFoundMessage(req.params.id));
    res.json(orderTracesView(found.order.orderId, found.events, options.traces));
  });
  v1.use(lostRoutes({ db, model, traces: options.traces, nowMicros }));
  v1.use(reportRoutes({ db: options.reportDb ?? db, model, nowMicros }));
  v1.use(deadLettersRoutes({ db, tokens: options.tokens, actions: options.deadLetters }));
  v1.use(redriveRoutes({ db, tokens: options.tokens, redriver: options.redriver }));
  app.use('/v1', v1);
  app.use(
    homeRoutes({
      db,
      model,
      tokens: options.tokens,
      traces: options.traces,
      nowMicros,
      ...(options.partitions && { partitions: options.partitions }),
      ...(options.heartbeats && { heartbeats: options.heartbeats }),
    }),
  );

  app.use((req, res) => {
    sendError(res, 404, 'not_found', `no such endpoint: ${req.method} ${req.path} (the tracker serves GET /v1/orders, /v1/orders/{order_id}, /v1/orders/{order_id}/traces, /v1/lost, /v1/reports/latency, /v1/dead-letters, POST /v1/orders/{order_id}/redrive, POST /v1/lost/redrive, /metrics, /healthz, /readyz, and the pages /, /orders/{order_id}, /orders?id={order_id}, /lost, /stuck)`);
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

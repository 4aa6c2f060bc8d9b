import express, { type Request, type Response, type Router } from 'express';
import type { ProcessModel } from '../../events';
import { listLostOrders, type Db } from '../store';
import type { Micros } from '../timeline';
import { pageOf, parseListQuery } from './list-query';
import { lostOrderView } from './order-view';
import type { TraceBackend } from '../traces';

export interface LostRouteOptions {
  readonly db: Db;
  readonly model: ProcessModel;
  /** Where trace links lead. */
  readonly traces: TraceBackend;
  /** The wall clock, in microseconds (time in state). */
  readonly nowMicros: () => Micros;
}

/**
 * `GET /lost?state=&segment=&limit=&cursor=`: the lost orders, longest in their state first,
 * keyset-paginated like /orders. Each says where it was lost (state, owning system), why (reason,
 * and the missed handoff: to which system, within how long, via what), since when (lost_at,
 * state_since), and links to the trace of its last event and to its timeline. The JSON twin of the
 * page `/lost` that the OrderLost page's `orders_url` opens. Mounted under /v1, behind the read scope.
 */
export function lostRoutes(options: LostRouteOptions): Router {
  const { db, model } = options;
  const router = express.Router();
  router.get('/lost', async (req: Request, res: Response) => {
    const query = parseListQuery(req.query as Record<string, unknown>, ['state', 'segment', 'limit', 'cursor']);
    const { page, nextCursor } = pageOf(await listLostOrders(db, query.filter, query.after, query.limit + 1), query.limit);
    const now = options.nowMicros();
    res.json({ orders: page.map((o) => lostOrderView(o, model, options.traces, now)), next_cursor: nextCursor });
  });
  return router;
}

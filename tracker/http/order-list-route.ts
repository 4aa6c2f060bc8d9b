import express, { type Request, type Response, type Router } from 'express';
import { ValidationError } from '../../common';
import type { ProcessModel } from '../../events';
import { listLostOrders, listOrders, type Db } from '../store';
import type { Micros } from '../timeline';
import { renderBadRequestPage } from './home-page';
import { pageOf, parseListQuery, type ListQuery } from './list-query';
import { renderOrderListPage } from './order-list-page';
import type { OrderListKind } from './order-tables';
import { sendPage } from './send-page';

export interface OrderListRouteOptions {
  readonly db: Db;
  readonly model: ProcessModel;
  /** The clock, in microseconds (time in state). */
  readonly nowMicros: () => Micros;
  /** True when the browser may read the pages; else it has answered with the sign-in form. */
  readonly signedIn: (req: Request, res: Response) => boolean;
}

/** What a list page takes: the filters and keyset cursor of `/v1/lost`. */
const PARAMETERS = ['state', 'segment', 'limit', 'cursor'] as const;

/**
 * The pages of lost and stuck orders, for people and for the links of the generated alerts:
 *
 * - `GET /lost?state=&segment=&limit=&cursor=` lost orders (OrderLost's `orders_url`);
 * - `GET /stuck?state=&segment=&limit=&cursor=` stuck orders (OrdersStuck's and the SLO burns').
 *
 * Same sign-in as the other pages, same list and cursor as the API (`/v1/lost`,
 * `/v1/orders?status=stuck`). A parameter the list does not take, or a wrong value, is a 400 page
 * saying what to write, as `/orders/:id` answers a bad order id.
 */
export function orderListRoutes(options: OrderListRouteOptions): Router {
  const { db } = options;
  const router = express.Router();
  const list = (kind: OrderListKind) => async (req: Request, res: Response) => {
    if (!options.signedIn(req, res)) return;
    const now = options.nowMicros();
    let query: ListQuery;
    try {
      query = parseListQuery(req.query as Record<string, unknown>, PARAMETERS);
    } catch (err) {
      if (err instanceof ValidationError) return sendPage(res, 400, renderBadRequestPage(err.message, now));
      throw err;
    }
    const { filter, after, limit } = query;
    const cursor = typeof req.query.cursor === 'string' ? { cursor: req.query.cursor } : {};
    const page = { model: options.model, now, filter, limit, ...cursor };
    if (kind === 'lost') {
      const { page: rows, nextCursor } = pageOf(await listLostOrders(db, filter, after, limit + 1), limit);
      sendPage(res, 200, renderOrderListPage({ ...page, kind, rows, nextCursor }));
    } else {
      const { page: rows, nextCursor } = pageOf(await listOrders(db, { ...filter, status: 'stuck' }, after, limit + 1), limit);
      sendPage(res, 200, renderOrderListPage({ ...page, kind, rows, nextCursor }));
    }
  };
  router.get('/lost', list('lost'));
  router.get('/stuck', list('stuck'));
  return router;
}

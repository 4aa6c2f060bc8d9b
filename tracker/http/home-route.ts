import express, { type Request, type Response, type Router } from 'express';
import { type TokenConfig, authorize } from '../../common';
import type { PartitionReading } from '../../bus';
import type { ProcessModel } from '../../events';
import type { PartitionHeartbeat } from '../heartbeat/latest-heartbeats';
import { listLostOrders, listOrders, lostByState, parkedDeadLetters, stateOccupancy, type Db } from '../store';
import { authorizationOf, clearSessionCookie, localPath, setSessionCookie } from './browser-session';
import { ORDER_SEARCH_PATH, renderBadRequestPage, renderHomePage, renderLoginPage, renderNotFoundPage, renderSignInConfirmPage } from './home-page';
import { badOrderIdMessage, loadOrderTimeline, orderNotFoundMessage } from './load-order';
import { orderListRoutes } from './order-list-route';
import { renderOrderPage } from './order-page';
import { crossSiteRefusal } from './same-origin';
import { sendPage } from './send-page';
import { orderTimelineView } from './order-view';
import type { TraceBackend } from '../traces';

export interface HomeRouteOptions {
  readonly db: Db;
  readonly model: ProcessModel;
  readonly tokens: readonly TokenConfig[];
  /** Where trace links lead. */
  readonly traces: TraceBackend;
  /** The clock, in microseconds. */
  readonly nowMicros: () => number;
  /** The partitions of the topic as the lag monitor last read them; absent in embedded mode. */
  readonly partitions?: () => readonly PartitionReading[];
  readonly heartbeats?: HomeHeartbeats;
}

/** The collectors' heartbeats as this tracker process applied them, for the home page. */
export interface HomeHeartbeats {
  /** The newest applied heartbeat per partition (the tracker's in-memory record). */
  readonly read: () => readonly PartitionHeartbeat[];
  /** collector.heartbeatIntervalMs: 0 when heartbeats are off. */
  readonly intervalMs: number;
}

/** How many stuck and lost orders the home page lists (each; the API lists them all). */
const LISTED = 25;

/**
 * The tracker's pages for people, same tokens as the API (the `read` scope):
 *
 * - `GET /` the home page: orders in flight per state, stuck and lost orders, links to the reports;
 * - `GET /orders/:id` one order's timeline; `GET /orders?id=` (the order-id box of every page) opens it;
 * - `GET /lost`, `GET /stuck` the lost and stuck orders, by state and segment (order-list-route.ts);
 * - `POST /login` (form: token, next) signs a browser in: the token is checked, kept in an HttpOnly,
 *   SameSite=Strict cookie, and the browser is sent on to `next`, a page of this server (see
 *   browser-session.ts). Only a form of the tracker's own pages may post it: its Origin (or, without
 *   one, its Referer) must be this server's scheme and Host, else 403 (login CSRF, same-origin.ts);
 * - `GET /?token=T[&next=/path]` (the link `orderscope up` prints) signs nobody in: for a token that
 *   would be accepted it shows a page asking "Sign in to orderscope at <host>?" whose button posts the
 *   token to /login, so that a link or a page of another site cannot sign a browser in by itself;
 * - `GET /logout` forgets the token.
 *
 * Without a valid token the pages answer 401 with the sign-in form. No page ever shows a token (the
 * confirm page passes on its own URL's in a hidden field).
 */
export function homeRoutes(options: HomeRouteOptions): Router {
  const { db, model, tokens } = options;
  const router = express.Router();

  /** True when `token` may read the pages; else answers with the sign-in form saying why. */
  const acceptable = (res: Response, token: string, next: string): boolean => {
    const auth = authorize(`Bearer ${token}`, tokens, 'read');
    if (auth.ok) return true;
    const error = auth.code === 'missing_scope' ? 'That token cannot read: it needs the read scope.' : 'That token was not accepted (unknown or revoked).';
    sendPage(res, auth.status, renderLoginPage({ next, error }));
    return false;
  };

  /**
   * The page if the browser is signed in with a read token, else the sign-in form (401). A link to any
   * page may carry `?token=`: it answers the page that asks to sign in, then goes on to the page
   * without the token (or to `next`, on the home page).
   */
  const signedIn = (req: Request, res: Response): boolean => {
    const token = req.query.token;
    if (typeof token === 'string' && token !== '') {
      const next = localPath(req.query.next, withoutToken(req.originalUrl));
      if (acceptable(res, token, next)) sendPage(res, 200, renderSignInConfirmPage({ host: req.get('host') ?? '', token, next }));
      return false;
    }
    if (authorize(authorizationOf(req), tokens, 'read').ok) return true;
    sendPage(res, 401, renderLoginPage({ next: localPath(req.originalUrl) }));
    return false;
  };

  router.get('/', async (req: Request, res: Response) => {
    if (!signedIn(req, res)) return;
    const openStates = model.openStates().map((s) => s.name);
    const data = await db.transaction(async (tx) => {
      await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
      return {
        occupancy: await stateOccupancy(tx, openStates),
        lostByState: await lostByState(tx),
        stuck: await listOrders(tx, { status: 'stuck' }, undefined, LISTED),
        lost: await listLostOrders(tx, {}, undefined, LISTED),
        deadLetters: Object.values(await parkedDeadLetters(tx)).reduce((a, b) => a + b, 0),
        ...(options.partitions && { partitions: options.partitions() }),
      };
    });
    const heartbeats = options.heartbeats && { partitions: options.heartbeats.read(), intervalMs: options.heartbeats.intervalMs };
    sendPage(res, 200, renderHomePage({ model, now: options.nowMicros(), ...data, ...(heartbeats && { heartbeats }) }));
  });

  // The origin is checked before the body is read: a refused sign-in costs no parsing.
  const fromOwnPage = (req: Request, res: Response, next: () => void) => {
    const refusal = crossSiteRefusal(req);
    if (refusal === undefined) return next();
    sendPage(res, 403, renderLoginPage({ next: '/', error: refusal }));
  };

  router.post('/login', fromOwnPage, express.urlencoded({ extended: false, limit: '4kb' }), (req: Request, res: Response) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const next = localPath(body.next);
    if (typeof body.token !== 'string' || body.token.trim() === '') return sendPage(res, 400, renderLoginPage({ next, error: 'Paste a token first.' }));
    const token = body.token.trim();
    if (!acceptable(res, token, next)) return;
    setSessionCookie(req, res, token);
    res.redirect(303, next);
  });

  router.get('/logout', (_req: Request, res: Response) => {
    clearSessionCookie(res);
    res.redirect(303, '/');
  });

  router.use(orderListRoutes({ db, model, nowMicros: options.nowMicros, signedIn }));

  // The top bar's order-id box: an id as typed (spaces around it trimmed) opens that order's page.
  router.get(ORDER_SEARCH_PATH, (req: Request, res: Response) => {
    if (!signedIn(req, res)) return;
    const id = typeof req.query.id === 'string' ? req.query.id.trim() : '';
    if (id === '') return sendPage(res, 400, renderBadRequestPage('id: type an order id into the box, e.g. SO-2026-000042', options.nowMicros()));
    res.redirect(303, `${ORDER_SEARCH_PATH}/${encodeURIComponent(id)}`);
  });

  router.get('/orders/:id', async (req: Request<{ id: string }>, res: Response) => {
    if (!signedIn(req, res)) return;
    const now = options.nowMicros();
    const badId = badOrderIdMessage(req.params.id);
    if (badId !== undefined) return sendPage(res, 400, renderBadRequestPage(badId, now));
    const found = await loadOrderTimeline(db, req.params.id);
    if (!found) return sendPage(res, 404, renderNotFoundPage(orderNotFoundMessage(req.params.id), now));
    const view = orderTimelineView(found.order, found.stays, found.events, found.history, model, options.traces, now, found.redrives);
    sendPage(res, 200, renderOrderPage(view, model, now));
  });

  return router;
}

/** A page's URL without its `token` (and `next`) parameters: where to go once signed in. */
function withoutToken(originalUrl: string): string {
  const url = new URL(originalUrl, 'http://page');
  url.searchParams.delete('token');
  url.searchParams.delete('next');
  return `${url.pathname}${url.search}`;
}

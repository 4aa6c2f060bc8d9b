import express, { type Request, type Response, type Router } from 'express';
import { type TokenConfig, authorize, ValidationError, sendError, queryReader } from '../../common';
import { listLostOrders, type Db, type RedriveRow } from '../store';
import type { RedriveOutcome, Redriver } from '../redrive/redriver';
import { authorizationOf } from './browser-session';
import { badOrderIdMessage } from './load-order';
import { redriveView } from './order-view';
import { parseListQuery, pageOf } from './list-query';

export interface RedriveRouteOptions {
  readonly db: Db;
  readonly tokens: readonly TokenConfig[];
  readonly redriver: Redriver;
}

/** Idempotency keys: what a client may send (a UUID is typical). */
const KEY = /^[A-Za-z0-9._:-]{1,128}$/;
const BULK_PARAMETERS = ['state', 'segment', 'limit', 'cursor', 'dry_run'];

/**
 * Redrives, mounted under /v1; the `admin` scope and a bearer token only (the browser's cookie is
 * never accepted for a POST), and an `Idempotency-Key` header: a retried request with the same key
 * acts no more, it gets the first attempt back (`replayed: true`).
 *
 * - `POST /orders/:id/redrive` one order: 200 with the attempt when the owning system took it, 502
 *   when it did not (the answer says why), 409 when there is nothing to redrive (a finished order, a
 *   state the model names no redrive for), 429 with Retry-After when the action's rate limit is spent;
 * - `POST /lost/redrive?state=&segment=&limit=&cursor=&dry_run=true` the lost orders behind an alert,
 *   a page at a time (`next_cursor`): with `dry_run=true` what would be done to each, without it each
 *   order's attempt (waiting out the rate limit between them).
 */
export function redriveRoutes(options: RedriveRouteOptions): Router {
  const { db, redriver } = options;
  const router = express.Router();

  /** The token's name and the idempotency key, or an answer saying what is missing. */
  const admit = (req: Request, res: Response): { by: string; key: string } | undefined => {
    const auth = authorize(authorizationOf(req), options.tokens, 'admin');
    if (!auth.ok) return void sendError(res, auth.status, auth.code, auth.message);
    const key = req.get('idempotency-key');
    if (key === undefined || !KEY.test(key)) {
      return void sendError(res, 400, 'invalid_input', 'Idempotency-Key: give each redrive request a key of its own (1 to 128 letters, digits, ".", "_", ":" or "-", e.g. a UUID), and the same key when you retry it');
    }
    return { by: auth.token.name, key };
  };

  router.post('/orders/:id/redrive', async (req: Request<{ id: string }>, res: Response) => {
    const badId = badOrderIdMessage(req.params.id);
    if (badId) return sendError(res, 400, 'invalid_input', badId);
    const admitted = admit(req, res);
    if (!admitted) return;
    const outcome = await redriver.redrive(req.params.id, admitted.key, admitted.by);
    if ('row' in outcome) return res.status(outcome.row.result === 'failed' ? 502 : outcome.row.result === 'pending' ? 202 : 200).json(redriveView(outcome.row, outcome.replayed));
    if (outcome.refused === 'rate_limited') res.setHeader('Retry-After', String(Math.max(1, Math.ceil(outcome.retryAfterMs / 1000))));
    sendError(res, refusalStatus(outcome), outcome.refused, outcome.message);
  });

  router.post('/lost/redrive', async (req: Request, res: Response) => {
    const query = req.query as Record<string, unknown>;
    const dryRunText = queryReader(query, BULK_PARAMETERS)('dry_run');
    if (dryRunText !== undefined && dryRunText !== 'true' && dryRunText !== 'false') throw new ValidationError(`dry_run: "${dryRunText}" is not true or false`);
    const dryRun = dryRunText === 'true';
    const { dry_run: _dryRun, ...listQuery } = query;
    const list = parseListQuery(listQuery, ['state', 'segment', 'limit', 'cursor']);
    let admitted: { by: string; key: string } | undefined;
    if (dryRun) {
      const auth = authorize(authorizationOf(req), options.tokens, 'admin');
      if (!auth.ok) return sendError(res, auth.status, auth.code, auth.message);
    } else if (!(admitted = admit(req, res))) return;
    const { page, nextCursor } = pageOf(await listLostOrders(db, list.filter, list.after, list.limit + 1), list.limit);
    const orders = [];
    for (const order of page) {
      if (!admitted) {
        const plan = redriver.planOf(order, order.handoffTo);
        orders.push({ order_id: order.orderId, state: order.state, ...('refused' in plan ? { would: 'nothing', refused: plan.refused, message: plan.message } : { would: 'redrive', action: plan.action, source: plan.source }) });
        continue;
      }
      const outcome = await redriveWaiting(redriver, order.orderId, admitted.key, admitted.by);
      orders.push('row' in outcome ? redriveView(outcome.row, outcome.replayed) : { order_id: order.orderId, state: order.state, result: 'refused', refused: outcome.refused, message: outcome.message });
    }
    const counts: Record<string, number> = {};
    for (const o of orders) {
      const result = 'would' in o ? o.would : o.result;
      counts[result] = (counts[result] ?? 0) + 1;
    }
    res.json({ dry_run: dryRun, counts, orders, next_cursor: nextCursor });
  });
  return router;
}

/** One order's redrive in a bulk request: it waits out the action's rate limit instead of failing. */
async function redriveWaiting(redriver: Redriver, orderId: string, key: string, by: string): Promise<Exclude<RedriveOutcome, { refused: 'rate_limited' }>> {
  for (;;) {
    const outcome = await redriver.redrive(orderId, key, by);
    if (!('refused' in outcome) || outcome.refused !== 'rate_limited') return outcome;
    await new Promise((resolve) => setTimeout(resolve, outcome.retryAfterMs));
  }
}

function refusalStatus(outcome: Exclude<RedriveOutcome, { row: RedriveRow }>): number {
  switch (outcome.refused) {
    case 'not_found':
      return 404;
    case 'rate_limited':
      return 429;
    default:
      return 409;
  }
}


import type { Express } from 'express';
import type { Pool } from 'pg';
import { z } from 'zod';
import { withTransaction } from '../../shared/db';
import { ConflictError, NotFoundError } from '../../shared/errors';
import { parseInput } from '../../shared/http-app';
import type { RecordStateChange } from '../../shared/state-journal';
import { sendRedrive } from '../../shared/redrive';
import { requeueProduction } from './requeue-production';
import { findProduction, listProduction, PRODUCTION_STATES, PRODUCTION_STEPS, takeStep, type ProductionStep } from '../store/production-orders';

export interface ProductionRoutesDeps {
  /** The primary: state changes. */
  readonly pool: Pool;
  /** Reads: a replica, or the primary. */
  readonly readPool: Pool;
  readonly recordStateChange: RecordStateChange;
  /** RabbitMQ, for requeue only. */
  readonly amqpUrl: string;
}

const listQuery = z.strictObject({
  state: z.enum(PRODUCTION_STATES).default('queued'),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
const stepParam = z.enum(Object.keys(PRODUCTION_STEPS) as [ProductionStep, ...ProductionStep[]]);

/**
 * The MES's production API:
 *
 * - `GET /production?state=queued&limit=100` production orders in a state, oldest first (read connection);
 * - `GET /production/:id` one production order and since when it is in its state (read connection);
 * - `POST /production/:id/start` queued -> in_production, `/finish` -> produced, `/ship` -> shipped:
 *   200 with the order; 404 unknown; 409 when the order is not in the step's starting state (the
 *   answer says where it is). A repeated step is a 409 too, never a second event;
 * - `POST /production/:id/requeue` re-runs the intake of a confirmed order that never reached
 *   in_production (a redrive, see {@link requeueProduction}): 202 `{order_id, redriven: true, state,
 *   reason}` when its production order was moved back from mes.production.dead, 200 with `redriven:
 *   false` when the MES has it already, 404 when neither has it, 503 when RabbitMQ is unreachable.
 *
 * No authentication, like every pipeline API: they stand for systems inside the company's network.
 */
export function mountProductionRoutes(app: Express, deps: ProductionRoutesDeps): void {
  app.get('/production', async (req, res) => {
    const query = parseInput(listQuery, req.query, 'query');
    res.json({ orders: await listProduction(deps.readPool, query.state, query.limit) });
  });
  app.get('/production/:id', async (req, res) => {
    const order = await findProduction(deps.readPool, req.params.id);
    if (!order) throw new NotFoundError(`no production order "${req.params.id}" in the MES`);
    res.json(order);
  });
  // Before /:step, which would answer it as an unknown step.
  app.post('/production/:id/requeue', async (req, res) => {
    sendRedrive(res, await requeueProduction(deps, req.params.id));
  });
  app.post('/production/:id/:step', async (req, res) => {
    const step = parseInput(stepParam, req.params.step, 'step (start, finish or ship)');
    const orderId = req.params.id;
    const { from, to } = PRODUCTION_STEPS[step];
    await withTransaction(deps.pool, async (tx) => {
      const outcome = await takeStep(tx, orderId, step);
      if (!outcome.moved) {
        if (!outcome.state) throw new NotFoundError(`no production order "${orderId}" in the MES (has the CRM confirmed it?)`);
        throw new ConflictError(`order ${orderId} is ${outcome.state}; ${step} needs it ${from}`, outcome.state);
      }
      await deps.recordStateChange(tx, orderId, to, { segment: outcome.segment });
    });
    res.json(await findProduction(deps.pool, orderId));
  });
}

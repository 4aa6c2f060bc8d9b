import type { Express } from 'express';
import { z } from 'zod';
import { NotFoundError } from '../shared/errors';
import { parseInput } from '../shared/http-app';
import { confirmOrder, type ConfirmDeps } from './confirm-order';
import { findOrder, listOrders, operatorLoads } from './orders-store';
import { reassignOrder } from './reassign-order';
import { sendRedrive } from '../shared/redrive';

const listQuery = z.strictObject({
  state: z.enum(['pending', 'assigned', 'confirmed']).default('assigned'),
  operator_id: z.string().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
const confirmBody = z.strictObject({ operator_id: z.string().min(1) });

/**
 * The CRM's API, for operators:
 *
 * - `GET /operators` each operator's weight, capacity, open orders and orders assigned in the fairness window;
 * - `GET /orders?state=assigned&operator_id=&limit=` orders in a state (an operator's work list), oldest first;
 * - `GET /orders/:id` one order;
 * - `POST /orders/:id/confirm` `{operator_id}` the assigned operator confirms it: 200 with the order;
 *   404 unknown; 409 assigned to someone else, or not assigned (any more);
 * - `POST /orders/:id/reassign` runs assignment for an order stuck before it (a redrive, see
 *   {@link reassignOrder}): 202 `{order_id, redriven: true, state: "assigned", reason}`, 200 with
 *   `redriven: false` when it is assigned already or no operator has room, 404 unknown.
 *
 * No authentication, like every pipeline API: they stand for systems inside the company's network.
 */
export function mountCrmRoutes(app: Express, deps: ConfirmDeps & { fairnessWindowMs: number }): void {
  app.get('/operators', async (_req, res) => {
    res.json({ operators: await operatorLoads(deps.pool, deps.fairnessWindowMs), fairness_window_seconds: deps.fairnessWindowMs / 1000 });
  });
  app.get('/orders', async (req, res) => {
    const query = parseInput(listQuery, req.query, 'query');
    res.json({ orders: await listOrders(deps.pool, { state: query.state, operatorId: query.operator_id, limit: query.limit }) });
  });
  app.get('/orders/:id', async (req, res) => {
    const order = await findOrder(deps.pool, req.params.id);
    if (!order) throw new NotFoundError(`no order "${req.params.id}" in the CRM`);
    res.json(order);
  });
  app.post('/orders/:id/confirm', async (req, res) => {
    const body = parseInput(confirmBody, req.body, 'confirmation');
    res.json(await confirmOrder(deps, req.params.id, body.operator_id));
  });
  app.post('/orders/:id/reassign', async (req, res) => {
    sendRedrive(res, await reassignOrder(deps, req.params.id));
  });
}

import type { Express } from 'express';
import { NotFoundError } from '../shared/errors';
import { parseInput } from '../shared/http-app';
import { newOrderSchema } from '../shared/messages';
import { placeOrder, type PlaceOrderDeps } from './place-order';
import { findOrder } from './orders-store';
import { requoteOrder } from './requote-order';
import { sendRedrive } from '../shared/redrive';

/**
 * The shop's API:
 *
 * - `POST /orders` `{customer_id, segment: b2b|b2c, part: {part_number, material, dimensions_mm: {x, y, z},
 *   tolerance_mm?, finish?}, quantity}` places an order and requests its cost analysis: 201 with the
 *   order; with an `Idempotency-Key` header, the same key again answers 200 with the first order;
 * - `GET /orders/:id` the order, its state and when it entered each state here;
 * - `POST /orders/:id/requote` sends the order's cost-analysis request again (a redrive, see
 *   {@link requoteOrder}): 202 `{order_id, redriven: true, state, reason}`, 200 with `redriven: false`
 *   when there was nothing to send, 404 unknown.
 *
 * No authentication, like every pipeline API: they stand for systems inside the company's network.
 */
export function mountShopRoutes(app: Express, deps: PlaceOrderDeps): void {
  app.post('/orders', async (req, res) => {
    const input = parseInput(newOrderSchema, req.body, 'order');
    const key = req.get('idempotency-key')?.slice(0, 200);
    const { order, created } = await placeOrder(deps, input, key);
    res.status(created ? 201 : 200).json(order);
  });
  app.get('/orders/:id', async (req, res) => {
    const order = await findOrder(deps.pool, req.params.id);
    if (!order) throw new NotFoundError(`no order "${req.params.id}" in the shop`);
    res.json(order);
  });
  app.post('/orders/:id/requote', async (req, res) => {
    sendRedrive(res, await requoteOrder(deps, req.params.id));
  });
}

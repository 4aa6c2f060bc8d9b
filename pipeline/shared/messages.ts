import { z } from 'zod';
import { orderEventShape } from '../../events';

/**
 * What the pipeline's services send each other: the HTTP body of a new order and the three RabbitMQ
 * messages. Every receiver validates with these schemas at its edge; a message that does not match is
 * dead-lettered with the schema's message, never half-processed.
 */

/** An order id as the order-event contract allows it, so every id the shop makes can be tracked. */
export const orderIdSchema = orderEventShape.shape.order_id;

export const SEGMENTS = ['b2b', 'b2c'] as const;
export type Segment = (typeof SEGMENTS)[number];

const positiveMm = z.number().positive().max(10_000);

/** A custom part as the customer specifies it. Two equal specs are the same part (and one price). */
export const partSpecSchema = z.strictObject({
  part_number: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, { error: 'must be 1-64 letters, digits, ".", "_" or "-"' }),
  material: z.enum(['aluminium', 'steel', 'stainless_steel', 'titanium', 'brass', 'abs', 'nylon']),
  dimensions_mm: z.strictObject({ x: positiveMm, y: positiveMm, z: positiveMm }),
  tolerance_mm: z.number().min(0.001).max(5).default(0.1),
  finish: z.enum(['none', 'anodized', 'powder_coated', 'polished']).default('none'),
});
export type PartSpec = z.output<typeof partSpecSchema>;

/** `POST /orders` on the shop. */
export const newOrderSchema = z.strictObject({
  customer_id: z.string().min(1).max(64),
  segment: z.enum(SEGMENTS),
  part: partSpecSchema,
  quantity: z.number().int().min(1).max(100_000),
});
export type NewOrder = z.output<typeof newOrderSchema>;

/** shop -> MES (queue mes.pricing): price this part for this order. */
export const pricingRequestSchema = z.strictObject({
  order_id: orderIdSchema,
  customer_id: z.string(),
  segment: z.enum(SEGMENTS),
  part: partSpecSchema,
  quantity: z.number().int().positive(),
});
export type PricingRequest = z.output<typeof pricingRequestSchema>;

/** MES -> CRM (queue crm.quotes): the priced order. */
export const quoteSchema = pricingRequestSchema.extend({
  part_key: z.string().regex(/^[0-9a-f]{64}$/),
  unit_price_cents: z.number().int().nonnegative(),
  total_cents: z.number().int().nonnegative(),
});
export type Quote = z.output<typeof quoteSchema>;

/** CRM -> MES (queue mes.production): the confirmed order, to be produced. */
export const productionOrderSchema = quoteSchema.extend({
  operator_id: z.string().min(1),
});
export type ProductionOrder = z.output<typeof productionOrderSchema>;

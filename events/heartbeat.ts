import { randomUUID } from 'node:crypto';
import { ORDER_EVENT_SCHEMA_VERSION, type OrderEvent } from './order-event';

/**
 * Heartbeats: synthetic order events that each collector publishes on an interval, one per
 * partition of the topic, so that the tracker can tell, per partition, how recently something went
 * all the way from a collector to the store. They live in a reserved id space, pass the same
 * contract as every other event, and the tracker keeps them out of everything about orders.
 */
export const HEARTBEAT = {
  source: 'orderscope',
  state: 'heartbeat',
  /** Order ids of heartbeats start with this; the rest is a number (see heartbeatOrderId). */
  orderIdPrefix: 'orderscope.heartbeat:',
} as const;

/** The heartbeat order id number `n`: `orderscope.heartbeat:<n>`. */
export function heartbeatOrderId(n: number): string {
  return `${HEARTBEAT.orderIdPrefix}${n}`;
}

/** True for a heartbeat: the reserved source, state and id space together. */
export function isHeartbeat(event: Pick<OrderEvent, 'source' | 'state' | 'order_id'>): boolean {
  return event.source === HEARTBEAT.source && event.state === HEARTBEAT.state && event.order_id.startsWith(HEARTBEAT.orderIdPrefix);
}

/** A heartbeat for `orderId` at `nowMs` (epoch milliseconds), with a fresh event id. */
export function heartbeatEvent(orderId: string, nowMs: number): OrderEvent {
  return {
    schema_version: ORDER_EVENT_SCHEMA_VERSION,
    event_id: randomUUID(),
    order_id: orderId,
    source: HEARTBEAT.source,
    state: HEARTBEAT.state,
    occurred_at: new Date(nowMs).toISOString(),
    seq: 0,
    attributes: {},
  };
}

/**
 * Splits a delivered batch into the order events and the heartbeats, keeping each item's companion
 * (its origin) beside it and the order of both parts.
 */
export function splitHeartbeats<T>(items: readonly T[], eventOf: (item: T) => OrderEvent): { orders: T[]; heartbeats: T[] } {
  const orders: T[] = [];
  const heartbeats: T[] = [];
  for (const item of items) (isHeartbeat(eventOf(item)) ? heartbeats : orders).push(item);
  return { orders, heartbeats };
}

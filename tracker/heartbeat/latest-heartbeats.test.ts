import { heartbeatEvent, splitHeartbeats, type OrderEvent } from '../../events';
import type { EventOrigin } from '../../bus';
import { LatestHeartbeats } from './latest-heartbeats';

const T0 = Date.UTC(2032, 2, 3, 4, 5, 6);
const kafka = (partition: number): EventOrigin => ({ topic: 'order-events', partition, offset: '7' });
const order: OrderEvent = { ...heartbeatEvent('A-1', T0), source: 'shop', state: 'placed' };

describe('heartbeats in a delivered batch', () => {
  it('are split off from the order events, each keeping its origin, in order', () => {
    const items = [
      { event: order, origin: kafka(0) },
      { event: heartbeatEvent('orderscope.heartbeat:0', T0), origin: kafka(1) },
      { event: { ...order, order_id: 'A-2' }, origin: kafka(2) },
    ];
    const { orders, heartbeats } = splitHeartbeats(items, (i) => i.event);
    expect(orders.map((i) => i.event.order_id)).toEqual(['A-1', 'A-2']);
    expect(heartbeats).toEqual([items[1]]);
  });

  it('an order event of source orderscope outside the reserved id space stays an order event', () => {
    const lookalike = { ...heartbeatEvent('orderscope.heartbeat:0', T0), order_id: 'heartbeat:0' };
    expect(splitHeartbeats([lookalike], (e) => e).orders).toEqual([lookalike]);
  });

  it('the newest heartbeat per partition is kept; an older one never moves it back', () => {
    const latest = new LatestHeartbeats();
    latest.record([
      { event: heartbeatEvent('orderscope.heartbeat:0', T0 + 2000), origin: kafka(10) },
      { event: heartbeatEvent('orderscope.heartbeat:1', T0), origin: kafka(2) },
    ]);
    latest.record([{ event: heartbeatEvent('orderscope.heartbeat:1', T0 - 5000), origin: kafka(2) }]);
    latest.record([{ event: heartbeatEvent('orderscope.heartbeat:0', T0), origin: { publisher: 'in-process' } }]);
    expect(latest.snapshot()).toEqual([
      { partition: '2', occurredAtMs: T0 },
      { partition: '10', occurredAtMs: T0 + 2000 },
      { partition: 'in-process', occurredAtMs: T0 },
    ]);
  });
});

import { Registry } from 'prom-client';
import { InProcessBus, type EventPublisher } from '../../bus';
import { UnavailableError, silentLogger } from '../../common';
import { validateOrderEvent, type OrderEvent } from '../../events';
import { createCollectorMetrics } from '../metrics';
import { createHeartbeater } from './heartbeater';

const NOW = Date.UTC(2031, 5, 7, 8, 9, 10);

async function outcomes(registry: Registry): Promise<Record<string, number>> {
  const metric = await registry.getSingleMetric('orderscope_collector_heartbeats_total')!.get();
  return Object.fromEntries(metric.values.map((v) => [String(v.labels.outcome), v.value]));
}

describe('collector heartbeats', () => {
  it('one round publishes one valid heartbeat per id, at the injected clock, with fresh event ids', async () => {
    const bus = new InProcessBus();
    const received: OrderEvent[] = [];
    await bus.subscribe(async (batch) => {
      received.push(...batch);
    });
    const registry = new Registry();
    const heartbeater = createHeartbeater({
      bus, orderIds: ['orderscope.heartbeat:0', 'orderscope.heartbeat:2'], intervalMs: 0, now: () => NOW, logger: silentLogger(), metrics: createCollectorMetrics(registry),
    });
    await heartbeater.beat();
    await heartbeater.beat();
    await heartbeater.close();
    await bus.close();
    expect(received.map((e) => [e.order_id, e.source, e.state, e.occurred_at])).toEqual([
      ['orderscope.heartbeat:0', 'orderscope', 'heartbeat', '2031-06-07T08:09:10.000Z'],
      ['orderscope.heartbeat:2', 'orderscope', 'heartbeat', '2031-06-07T08:09:10.000Z'],
      ['orderscope.heartbeat:0', 'orderscope', 'heartbeat', '2031-06-07T08:09:10.000Z'],
      ['orderscope.heartbeat:2', 'orderscope', 'heartbeat', '2031-06-07T08:09:10.000Z'],
    ]);
    expect(new Set(received.map((e) => e.event_id)).size).toBe(4);
    for (const e of received) expect(validateOrderEvent(e, new Date(NOW)).ok).toBe(true);
    expect(await outcomes(registry)).toEqual({ published: 2, failed: 0 });
  });

  it('a publish the bus refuses is counted as failed and does not reject', async () => {
    const down: EventPublisher = {
      start: async () => undefined,
      publish: () => Promise.reject(new UnavailableError('down')),
      isReady: () => false,
      close: async () => undefined,
    };
    const registry = new Registry();
    const heartbeater = createHeartbeater({
      bus: down, orderIds: ['orderscope.heartbeat:0'], intervalMs: 0, now: () => NOW, logger: silentLogger(), metrics: createCollectorMetrics(registry),
    });
    await expect(heartbeater.beat()).resolves.toBeUndefined();
    await heartbeater.close();
    expect(await outcomes(registry)).toEqual({ published: 0, failed: 1 });
  });

  it('an interval of 0 publishes nothing on start', async () => {
    const published: OrderEvent[][] = [];
    const bus: EventPublisher = { start: async () => undefined, publish: async (e) => void published.push([...e]), isReady: () => true, close: async () => undefined };
    const heartbeater = createHeartbeater({ bus, orderIds: ['orderscope.heartbeat:0'], intervalMs: 0, now: () => NOW, logger: silentLogger(), metrics: createCollectorMetrics(new Registry()) });
    heartbeater.start();
    await heartbeater.close();
    expect(published).toEqual([]);
  });
});

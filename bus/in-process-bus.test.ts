import { InProcessBus } from './in-process-bus';
import type { OrderEvent } from '../events';

const event = (n: number): OrderEvent => ({
  schema_version: 1,
  event_id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  order_id: `o${n}`,
  source: 'shop',
  state: 'placed',
  occurred_at: '2026-11-26T10:00:00Z',
  seq: 0,
  attributes: {},
});

describe('the in-process bus', () => {
  it('resolves publish only after the subscriber applied the events', async () => {
    const bus = new InProcessBus();
    const applied: string[] = [];
    await bus.subscribe(async (batch) => {
      applied.push(...batch.map((e) => e.order_id));
    });
    await bus.publish([event(1), event(2)]);
    expect(applied).toEqual(['o1', 'o2']);
  });

  it('holds events published before anyone subscribed, then delivers them', async () => {
    const bus = new InProcessBus();
    const applied: string[] = [];
    const published = bus.publish([event(1)]);
    await bus.subscribe(async (batch) => {
      applied.push(...batch.map((e) => e.order_id));
    });
    await published;
    expect(applied).toEqual(['o1']);
  });

  it('merges concurrent publishes into one batch and keeps their order', async () => {
    const bus = new InProcessBus();
    const batches: string[][] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    await bus.subscribe(async (batch) => {
      batches.push(batch.map((e) => e.order_id));
      await gate;
    });
    const first = bus.publish([event(1)]);
    const rest = [bus.publish([event(2)]), bus.publish([event(3)])];
    release();
    await Promise.all([first, ...rest]);
    expect(batches).toEqual([['o1'], ['o2', 'o3']]);
  });

  it('rejects the publisher when the subscriber fails, so nothing is acknowledged that was not applied', async () => {
    const bus = new InProcessBus();
    await bus.subscribe(async () => {
      throw new Error('database is down');
    });
    await expect(bus.publish([event(1)])).rejects.toMatchObject({ code: 'unavailable', retriable: true });
  });

  it('refuses events after close, and close is safe twice', async () => {
    const bus = new InProcessBus();
    await bus.close();
    await bus.close();
    expect(bus.isReady()).toBe(false);
    await expect(bus.publish([event(1)])).rejects.toThrow('the bus is closed');
  });
});

import { BusFullError, InProcessBus } from './in-process-bus';
import { gatedSubscriber } from './test/gated-subscriber';
import { numberedEvent } from './test/numbered-event';

const event = numberedEvent;

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

  it('tells the subscriber that each event came from the in-process bus', async () => {
    const bus = new InProcessBus();
    const seen: unknown[] = [];
    await bus.subscribe(async (batch, context) => {
      seen.push(context);
    });
    await bus.publish([event(1), event(2)]);
    expect(seen).toEqual([{ origins: [{ publisher: 'in-process' }, { publisher: 'in-process' }], unreadable: [] }]);
  });

  it('refuses a publish at once when the events waiting would pass its bound, and takes it again once drained', async () => {
    const bus = new InProcessBus({ maxQueuedEvents: 3 });
    const { applied, release } = await gatedSubscriber(bus);
    const first = bus.publish([event(1)]); // taken by the subscriber, which waits at the gate
    const queued = bus.publish([event(2), event(3)]);
    await expect(bus.publish([event(4), event(5)])).rejects.toBeInstanceOf(BusFullError);
    release();
    await Promise.all([first, queued]);
    await bus.publish([event(6), event(7), event(8)]);
    expect(applied).toEqual(['o1', 'o2', 'o3', 'o6', 'o7', 'o8']);
  });

  it('withdraws a publish whose signal aborts while it waits, so that it is never applied', async () => {
    const bus = new InProcessBus();
    const { applied, release } = await gatedSubscriber(bus);
    const first = bus.publish([event(1)]);
    const gaveUp = new AbortController();
    const late = bus.publish([event(2)], { signal: gaveUp.signal });
    gaveUp.abort();
    await expect(late).rejects.toMatchObject({ code: 'unavailable' });
    release();
    await first;
    await bus.publish([event(3)]);
    expect(applied).toEqual(['o1', 'o3']);
  });

  it('refuses events after close, and close is safe twice', async () => {
    const bus = new InProcessBus();
    await bus.close();
    await bus.close();
    expect(bus.isReady()).toBe(false);
    await expect(bus.publish([event(1)])).rejects.toThrow('the bus is closed');
  });
});

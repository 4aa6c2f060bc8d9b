import { InProcessBus } from '../../bus';
import type { OrderEvent } from '../../events';
import { TOKENS, postJson, shopEvent, startCollector, testConfig } from './harness';

/** An in-process bus whose subscriber holds every batch until `release()`, recording what it applied. */
async function heldBus(maxQueuedEvents: number) {
  const bus = new InProcessBus({ maxQueuedEvents });
  const applied: OrderEvent[] = [];
  let release!: () => void;
  let gate = new Promise<void>((r) => (release = r));
  let taken!: () => void;
  const firstTaken = new Promise<void>((r) => (taken = r));
  await bus.subscribe(async (batch) => {
    taken();
    await gate;
    applied.push(...batch);
  });
  return {
    bus,
    applied,
    firstTaken,
    release: () => {
      release();
      gate = Promise.resolve();
    },
  };
}

describe('the collector over a bus that falls behind', () => {
  it('answers 503 with Retry-After at once when the in-process bus is full, and takes the events once it drained', async () => {
    const held = await heldBus(2);
    const c = await startCollector({ bus: held.bus, config: testConfig({ publishTimeoutMs: 60_000, rateLimitEventsPerSecond: 0 }) });
    try {
      const first = postJson(c.url, [shopEvent()], TOKENS.shop);
      await held.firstTaken;
      const waiting = postJson(c.url, [shopEvent(), shopEvent()], TOKENS.shop);
      // The answer comes at once, not after publishTimeoutMs (a minute here): this test would time out.
      const full = await postJson(c.url, [shopEvent()], TOKENS.shop);
      expect(full.status).toBe(503);
      expect(full.headers['retry-after']).toBe('1');
      expect(full.body).toEqual({ error: { code: 'unavailable', message: 'the event bus is full (events arrive faster than they are applied); keep the events and retry the same request later (events are deduplicated by event_id)' } });
      held.release();
      expect((await first).status).toBe(202);
      expect((await waiting).status).toBe(202);
      expect((await postJson(c.url, [shopEvent()], TOKENS.shop)).status).toBe(202);
      expect(held.applied).toHaveLength(4);
    } finally {
      await c.close();
    }
  });

  it('never applies a request it answered 503 because its time was up', async () => {
    const held = await heldBus(1000);
    const c = await startCollector({ bus: held.bus, config: testConfig({ publishTimeoutMs: 300, rateLimitEventsPerSecond: 0 }) });
    try {
      const first = postJson(c.url, [shopEvent({ order_id: 'first' })], TOKENS.shop);
      await held.firstTaken;
      const late = await postJson(c.url, [shopEvent({ order_id: 'timed-out' })], TOKENS.shop);
      expect(late.status).toBe(503);
      held.release();
      await first;
      expect((await postJson(c.url, [shopEvent({ order_id: 'after' })], TOKENS.shop)).status).toBe(202);
      expect(held.applied.map((e) => e.order_id)).toEqual(['first', 'after']);
    } finally {
      await c.close();
    }
  });
});

import { appendFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { silentLogger } from '../common';
import type { OrderEvent } from '../events';
import { numberedEvent } from './test/numbered-event';
import type { DeliveryContext } from './bus';
import { BusFullError, IN_PROCESS_ORIGIN } from './in-process-bus';
import { SpooledBus, type SpooledBusOptions } from './spooled-bus';

const event = numberedEvent;

/** Resolves when `check` holds, checked after every handler call. */
function collector() {
  const applied: string[] = [];
  const contexts: DeliveryContext[] = [];
  let waiter: { check: () => boolean; resolve: () => void } | undefined;
  return {
    applied,
    contexts,
    handler: async (batch: readonly OrderEvent[], context: DeliveryContext) => {
      applied.push(...batch.map((e) => e.order_id));
      contexts.push(context);
      if (waiter?.check()) waiter.resolve();
    },
    until: (check: () => boolean) => (check() ? Promise.resolve() : new Promise<void>((resolve) => (waiter = { check, resolve }))),
  };
}

describe('the spooled bus', () => {
  let dir: string;
  const buses: SpooledBus[] = [];
  const open = async (options: Partial<SpooledBusOptions> = {}) => {
    const bus = await SpooledBus.open({ dir, logger: silentLogger(), retryDelayMs: 1, ...options });
    buses.push(bus);
    return bus;
  };
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'spooled-bus-'));
  });
  afterEach(async () => {
    await Promise.all(buses.splice(0).map((b) => b.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('resolves a publish once its events are on disk, before any subscriber applied them', async () => {
    const bus = await open();
    await bus.publish([event(1), event(2)]);
    const segments = readdirSync(dir).filter((f) => f.endsWith('.ndjson'));
    expect(segments).toHaveLength(1);
    const seen = collector();
    await bus.subscribe(seen.handler);
    await seen.until(() => seen.applied.length === 2);
    expect(seen.applied).toEqual(['o1', 'o2']);
    expect(seen.contexts[0]!.origins).toEqual([IN_PROCESS_ORIGIN, IN_PROCESS_ORIGIN]);
  });

  it('tells when everything published so far was applied', async () => {
    const bus = await open();
    const seen = collector();
    await bus.subscribe(seen.handler);
    await bus.idle();
    await Promise.all([1, 2, 3].map((n) => bus.publish([event(n)])));
    await bus.idle();
    expect([...seen.applied].sort()).toEqual(['o1', 'o2', 'o3']);
  });

  it('delivers what an earlier process accepted but did not apply', async () => {
    const first = await open();
    await first.publish([event(1)]);
    await first.close();
    const second = await open();
    const seen = collector();
    await second.subscribe(seen.handler);
    await seen.until(() => seen.applied.length === 1);
    expect(seen.applied).toEqual(['o1']);
  });

  it('applies everything accepted before close, and deletes the applied segments', async () => {
    const bus = await open();
    const seen = collector();
    await bus.subscribe(seen.handler);
    await Promise.all([1, 2, 3, 4, 5].map((n) => bus.publish([event(n)])));
    await bus.close();
    expect([...seen.applied].sort()).toEqual(['o1', 'o2', 'o3', 'o4', 'o5']);
    expect(readdirSync(dir).filter((f) => f.endsWith('.ndjson'))).toEqual([]);
    await expect(bus.publish([event(6)])).rejects.toThrow('the bus is closed');
  });

  it('gives a batch again after the handler failed, and keeps it until one attempt succeeds', async () => {
    const bus = await open();
    let attempts = 0;
    const seen = collector();
    await bus.subscribe(async (batch, context) => {
      attempts++;
      if (attempts < 3) throw new Error('the store is down');
      await seen.handler(batch, context);
    });
    await bus.publish([event(1)]);
    await seen.until(() => seen.applied.length === 1);
    expect(attempts).toBe(3);
    expect(seen.applied).toEqual(['o1']);
  });

  it('refuses a publish beyond its size cap at once, and takes events again once they were applied', async () => {
    const bus = await open({ maxBytes: 600 });
    await bus.publish([event(1), event(2)]);
    const refused = bus.publish([event(3), event(4)]);
    await expect(refused).rejects.toBeInstanceOf(BusFullError);
    await expect(refused).rejects.toThrow(`the bus spool ${dir} already holds`);
    const seen = collector();
    await bus.subscribe(seen.handler);
    // o3 fitted before the cap: written, so applied (the client's retry of both is harmless).
    await seen.until(() => seen.applied.length === 3);
    // As a client does: retry while full; the applied segment is deleted right after its handler call.
    for (;;) {
      const accepted = await bus.publish([event(5)]).then(() => true, (err: unknown) => {
        if (err instanceof BusFullError) return false;
        throw err;
      });
      if (accepted) break;
      await new Promise((resolve) => setImmediate(resolve));
    }
    await seen.until(() => seen.applied.length === 4);
    expect(seen.applied).toEqual(['o1', 'o2', 'o3', 'o5']);
  });

  it('withdraws a publish whose caller gave up before it was written', async () => {
    const bus = await open();
    const gaveUp = new AbortController();
    gaveUp.abort();
    await expect(bus.publish([event(1)], { signal: gaveUp.signal })).rejects.toThrow('the publisher gave up before the events were queued');
    const seen = collector();
    await bus.subscribe(seen.handler);
    await bus.publish([event(2)]);
    await seen.until(() => seen.applied.length === 1);
    expect(seen.applied).toEqual(['o2']);
  });

  it('hands a spooled line that is not an order event to the handler as an unreadable message, and skips a torn last line', async () => {
    const bus = await open();
    await bus.publish([event(1)]);
    await bus.close();
    const segment = readdirSync(dir).find((f) => f.endsWith('.ndjson'))!;
    appendFileSync(path.join(dir, segment), `${JSON.stringify({ order_id: 'o2' })}\n{"order_id":"o3"`);
    const reopened = await open();
    const seen = collector();
    await reopened.subscribe(seen.handler);
    await seen.until(() => seen.applied.length === 1);
    expect(seen.applied).toEqual(['o1']);
    expect(seen.contexts[0]!.unreadable).toEqual([
      {
        raw: Buffer.from('{"order_id":"o2"}'),
        reason: 'invalid_event',
        error:
          'the message is not a valid order event: schema_version: is required; event_id: is required; source: is required; state: is required; occurred_at: is required',
        origin: IN_PROCESS_ORIGIN,
      },
    ]);
  });
});

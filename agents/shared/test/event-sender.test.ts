import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Registry } from 'prom-client';
import { IngestRejectedError, RetryLaterError } from '../collector-client';
import { silentLogger, UnavailableError, Spool } from '../../../common';
import type { OrderEventInput } from '../../../events';
import { createAgentMetrics } from '../metrics';
import { EventSender, NotDurableError, type EventSenderOptions } from '../sender/event-sender';
import { testEvent } from './support/events';
import { acceptAll, ScriptedTransport, valueOf, waitFor, type Answer } from './support/scripted-transport';

const unreachable: Answer = () => {
  throw new UnavailableError('cannot reach the collector at http://127.0.0.1:1: ECONNREFUSED');
};

describe('the event sender', () => {
  let dir: string;
  const senders: EventSender[] = [];
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'orderscope-sender-'));
  });
  afterEach(async () => {
    for (const sender of senders.splice(0)) await sender.close(50);
    rmSync(dir, { recursive: true, force: true });
  });

  async function setup(options: Partial<EventSenderOptions> & { spoolMaxBytes?: number } = {}) {
    const transport = new ScriptedTransport();
    const spool = await Spool.open<OrderEventInput>({ dir, maxBytes: options.spoolMaxBytes ?? 10_000_000 });
    const metrics = createAgentMetrics(new Registry());
    const sender = new EventSender({ transport, spool, metrics, logger: silentLogger(), lingerMs: 10, retryMinDelayMs: 5, retryMaxDelayMs: 40, ...options });
    senders.push(sender);
    sender.start();
    return { transport, spool, metrics, sender };
  }
  const events = (n: number) => Array.from({ length: n }, () => testEvent());
  const ids = (list: readonly OrderEventInput[]) => list.map((e) => e.event_id);

  describe('batching', () => {
    it('sends full batches at once and the rest after the linger time: 1200 events go out as 500, 500 and 200', async () => {
      const { transport, sender } = await setup({ batchSize: 500 });
      const all = events(1200);
      for (const e of all) expect(sender.enqueue(e)).toBe(true);
      await waitFor('1200 events accepted', () => transport.accepted.length === 1200);
      expect(transport.posts.map((p) => p.length)).toEqual([500, 500, 200]);
      expect(transport.accepted).toEqual(ids(all));
    });

    it('never posts from within enqueue: the caller returns before any I/O starts', async () => {
      const { transport, sender } = await setup({ batchSize: 2 });
      sender.enqueue(testEvent());
      sender.enqueue(testEvent());
      expect(transport.posts).toHaveLength(0);
      await waitFor('the batch is posted', () => transport.posts.length === 1);
    });

    it('sends a partial batch alone once it has lingered', async () => {
      const { transport, sender } = await setup({ batchSize: 500, lingerMs: 20 });
      const few = events(3);
      few.forEach((e) => sender.enqueue(e));
      await waitFor('the partial batch is posted', () => transport.posts.length === 1);
      expect(transport.posts[0]).toEqual(few);
    });

    it('drops and counts what does not fit in the buffer in one burst, and sends the rest', async () => {
      const { transport, sender, metrics } = await setup({ bufferSize: 10, batchSize: 5 });
      const verdicts = events(25).map((e) => sender.enqueue(e));
      expect(verdicts.filter(Boolean)).toHaveLength(10);
      expect(await valueOf(metrics.dropped, { reason: 'buffer_full' })).toBe(15);
      expect(await valueOf(metrics.eventsTracked)).toBe(25);
      await waitFor('the 10 buffered events are accepted', () => transport.accepted.length === 10);
    });
  });

  describe('when the collector cannot take events', () => {
    it('spools a batch at its first failure and delivers it once the collector is back', async () => {
      const { transport, sender, spool, metrics } = await setup();
      transport.answer = unreachable;
      const all = events(50);
      all.forEach((e) => sender.enqueue(e));
      await waitFor('the batch is spooled', async () => (await valueOf(metrics.eventsSpooled)) === 50);
      expect(spool.isEmpty()).toBe(false);
      expect(await valueOf(metrics.spoolBytes)).toBe(spool.bytes);

      transport.answer = acceptAll;
      await waitFor('the spool is delivered', () => spool.isEmpty());
      expect(new Set(transport.accepted)).toEqual(new Set(ids(all)));
      expect(await valueOf(metrics.eventsSent)).toBe(50);
      expect(await valueOf(metrics.retries)).toBeGreaterThanOrEqual(1);
      expect(await valueOf(metrics.spoolBytes)).toBe(0);
      expect(await valueOf(metrics.dropped)).toBe(0);
    });

    it('queues new events behind the spooled ones, so they are delivered in the order they were tracked', async () => {
      const { transport, sender, spool } = await setup({ batchSize: 10 });
      transport.answer = unreachable;
      const first = events(30);
      first.forEach((e) => sender.enqueue(e));
      await waitFor('the first events are spooled', () => !spool.isEmpty());
      const second = events(30);
      second.forEach((e) => sender.enqueue(e));
      await new Promise((r) => setTimeout(r, 30));
      transport.answer = acceptAll;
      await waitFor('everything is delivered', () => spool.isEmpty() && transport.accepted.length >= 60);
      expect(transport.accepted).toEqual(ids([...first, ...second]));
    });

    it('retries 429, 503 and network errors until the events are accepted, and drops nothing', async () => {
      const { transport, sender, metrics } = await setup();
      const failures = [
        new RetryLaterError('the collector answered 429: over the rate limit', 10),
        new RetryLaterError('the collector answered 503: the event bus is unavailable right now', 10),
        new UnavailableError('cannot reach the collector at http://127.0.0.1:1: ECONNRESET'),
      ];
      transport.answer = (batch) => {
        const failure = failures.shift();
        if (failure) throw failure;
        return acceptAll(batch);
      };
      const all = events(20);
      all.forEach((e) => sender.enqueue(e));
      await waitFor('the events are accepted', () => transport.accepted.length === 20);
      expect(transport.posts).toHaveLength(4);
      expect(await valueOf(metrics.retries)).toBe(3);
      expect(await valueOf(metrics.dropped)).toBe(0);
    });

    it('keeps the events when the token is refused (401), until the token works', async () => {
      const { transport, sender, metrics, spool } = await setup();
      transport.answer = () => {
        throw new IngestRejectedError(401, 'unauthorized', 'no valid bearer token');
      };
      const all = events(5);
      all.forEach((e) => sender.enqueue(e));
      await waitFor('the events are spooled', async () => (await valueOf(metrics.eventsSpooled)) === 5);
      expect(await valueOf(metrics.dropped)).toBe(0);
      transport.answer = acceptAll;
      await waitFor('the spool is delivered', () => spool.isEmpty());
      expect(transport.accepted).toEqual(ids(all));
    });
  });

  describe('events the collector refuses as invalid', () => {
    it('counts per-event rejections of a 202 as dropped, sends the rest, and retries nothing', async () => {
      const { transport, sender, metrics } = await setup();
      transport.answer = (batch) => ({ accepted: batch.length - 1, rejected: [{ index: 1, event_id: batch[1]!.event_id, error: 'state: must be lower case' }] });
      events(3).forEach((e) => sender.enqueue(e));
      await waitFor('the batch is answered', () => transport.accepted.length === 2);
      await new Promise((r) => setTimeout(r, 30));
      expect(transport.posts).toHaveLength(1);
      expect(await valueOf(metrics.eventsSent)).toBe(2);
      expect(await valueOf(metrics.dropped, { reason: 'rejected' })).toBe(1);
    });

    it('drops and counts a batch the collector cannot read (400), without retrying it', async () => {
      const { transport, sender, metrics } = await setup();
      transport.answer = () => {
        throw new IngestRejectedError(400, 'bad_request', 'the body is not a JSON array');
      };
      events(4).forEach((e) => sender.enqueue(e));
      await waitFor('the batch is dropped', async () => (await valueOf(metrics.dropped, { reason: 'rejected' })) === 4);
      await new Promise((r) => setTimeout(r, 30));
      expect(transport.posts).toHaveLength(1);
    });
  });

  describe('deliver()', () => {
    it('resolves once the collector accepted the events', async () => {
      const { transport, sender } = await setup();
      const batch = events(3);
      await sender.deliver(batch);
      expect(transport.accepted).toEqual(ids(batch));
    });

    it('resolves once the events are spooled when the collector is down', async () => {
      const { transport, sender, metrics } = await setup();
      transport.answer = unreachable;
      await sender.deliver(events(3));
      expect(await valueOf(metrics.eventsSpooled)).toBe(3);
    });

    it('rejects, without counting a drop, when the spool cannot take the events: their owner keeps them', async () => {
      const { transport, sender, metrics } = await setup({ spoolMaxBytes: 10 });
      transport.answer = unreachable;
      await expect(sender.deliver(events(2))).rejects.toThrow(NotDurableError);
      expect(await valueOf(metrics.dropped)).toBe(0);
    });
  });

  describe('flush()', () => {
    it('resolves once every event tracked before it was accepted, without waiting for the linger time', async () => {
      const { transport, sender } = await setup({ lingerMs: 60_000 });
      const batch = events(3);
      for (const e of batch) sender.enqueue(e);
      await sender.flush();
      expect(transport.accepted).toEqual(ids(batch));
    });

    it('resolves once the events are spooled when the collector is down', async () => {
      const { transport, sender, metrics } = await setup({ lingerMs: 60_000 });
      transport.answer = unreachable;
      for (const e of events(4)) sender.enqueue(e);
      await sender.flush();
      expect(await valueOf(metrics.eventsSpooled)).toBe(4);
    });

    it('waits for a busy collector: events still buffered behind the requests in flight are sent too', async () => {
      const { transport, sender } = await setup({ lingerMs: 60_000, batchSize: 2, maxInFlight: 1 });
      const batch = events(5);
      for (const e of batch) sender.enqueue(e);
      await sender.flush();
      expect(transport.accepted).toEqual(ids(batch));
    });

    it('rejects when events it waited for were dropped: the spool could not take them while the collector was down', async () => {
      const { transport, sender } = await setup({ lingerMs: 60_000, spoolMaxBytes: 10 });
      transport.answer = unreachable;
      for (const e of events(2)) sender.enqueue(e);
      await expect(sender.flush()).rejects.toThrow(new NotDurableError('2 order events could not be made durable (the spool is full, failing or not open; see the log) and were dropped'));
    });

    it('resolves at once when nothing is buffered', async () => {
      const { transport, sender } = await setup();
      await sender.flush();
      expect(transport.posts).toHaveLength(0);
    });
  });

  describe('close()', () => {
    it('delivers what is buffered before it resolves', async () => {
      const { transport, sender } = await setup({ lingerMs: 10_000 });
      const batch = events(3);
      batch.forEach((e) => sender.enqueue(e));
      await sender.close(2000);
      expect(transport.accepted).toEqual(ids(batch));
    });

    it('gives up after its timeout with the collector down, and the next sender on the spool delivers the events', async () => {
      const { transport, sender } = await setup();
      transport.answer = unreachable;
      const batch = events(20);
      batch.forEach((e) => sender.enqueue(e));
      await sender.close(100);
      expect(transport.accepted).toEqual([]);

      const next = await setup();
      await waitFor('the spooled events are delivered', () => next.spool.isEmpty() && next.transport.accepted.length === 20);
      expect(next.transport.accepted).toEqual(ids(batch));
    });

    it('takes along events tracked while it runs (requests the host is still finishing)', async () => {
      const { transport, sender } = await setup({ lingerMs: 10_000 });
      const first = testEvent();
      sender.enqueue(first);
      const closing = sender.close(2000);
      const late = testEvent();
      expect(sender.enqueue(late)).toBe(true);
      await closing;
      expect(transport.accepted).toEqual(ids([first, late]));
    });

    it('drops and counts events tracked after it', async () => {
      const { sender, metrics } = await setup();
      await sender.close(100);
      expect(sender.enqueue(testEvent())).toBe(false);
      expect(await valueOf(metrics.dropped, { reason: 'closed' })).toBe(1);
    });
  });
});
